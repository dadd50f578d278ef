import type { Observable } from 'rxjs';

/**
 * Where the emulator reads the time. Presence timeouts, the here-now cache, event timestamps,
 * `/time/0` and signature freshness all use it, so a test can move time forward instead of waiting.
 *
 * @example
 * ```ts
 * let now = Date.parse('2030-01-01T00:00:00Z');
 * const clock: EmulatorClock = { now: () => now };
 * const emulator = await startEmulator({ clock });
 * now += 301_000; // past the default 300 s presence timeout
 * emulator.sweep(); // everyone times out
 * ```
 */
export interface EmulatorClock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/**
 * A keyset the emulator accepts when {@link EmulatorOptions.keysets} is given.
 *
 * @example
 * ```ts
 * const keyset: EmulatorKeyset = { subscribeKey: 'sub-c-1', publishKey: 'pub-c-1', secretKey: 'sec-c-1' };
 * await startEmulator({ keysets: [keyset] }); // every request on sub-c-1 must now be signed
 * ```
 */
export interface EmulatorKeyset {
  readonly subscribeKey: string;
  /** Part of the signed text; an unset key is signed as the string `undefined`, as the JS SDK does. */
  readonly publishKey?: string;
  /** When set, requests on this keyset need a valid v2 `signature` and a fresh `timestamp`. */
  readonly secretKey?: string;
}

/**
 * How to start the emulator. Every field is optional.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator({ port: 8090, hereNowCacheMs: 0, log: console.log });
 * ```
 */
export interface EmulatorOptions {
  /** TCP port; `0` (the default) picks a free one, read it back from {@link Emulator.port}. */
  port?: number;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** How long a here-now answer is reused for the same request, as the service does; default 3000, `0` turns it off. */
  hereNowCacheMs?: number;
  /** Presence timeout in seconds for a heartbeat without a `heartbeat` parameter; default 300. */
  defaultPresenceTimeout?: number;
  /** Time source; default `Date.now`. */
  clock?: EmulatorClock;
  /**
   * When given, only these subscribe keys are accepted (others get the Access Manager 400
   * `Invalid Subscribe Key`), and a keyset with a `secretKey` requires signed requests.
   * When absent, any subscribe key works and nothing needs a signature.
   */
  keysets?: readonly EmulatorKeyset[];
  /** A request whose headers or body have not arrived after this many ms is answered 408 and dropped; default 10000. */
  requestTimeoutMs?: number;
  /** How far (seconds) a signed request's `timestamp` may be from the clock; default 60. */
  signatureWindowSeconds?: number;
  /** Receives one line per answered request (the CLI's `--verbose`); `auth` and `signature` values are redacted. */
  log?: (line: string) => void;
  /**
   * How long a subscribe long-poll with nothing to deliver is held before it is answered with no
   * messages (and the same timetoken), in ms; default 280000, as the service. Held polls are
   * exempt from {@link EmulatorOptions.requestTimeoutMs}, which only limits receiving a request.
   */
  subscribeTimeoutMs?: number;
  /**
   * The keyset's *Announce Max*: while a channel's occupancy is at most this, each join, leave and
   * timeout is its own message on `<channel>-pnpres`; above it the channel is in interval mode and
   * sends one `interval` message every {@link EmulatorOptions.presenceIntervalMs} with the
   * occupancy and the `join` / `leave` / `timeout` deltas (`here_now_refresh: true` instead when
   * they would exceed 32 KiB). State changes are always sent one by one. Default 20.
   */
  announceMax?: number;
  /** The keyset's presence *Interval*: how often a channel in interval mode gets its `interval` message, in ms; default 10000. */
  presenceIntervalMs?: number;
  /**
   * How many presence messages are kept per channel, so that a client that resubscribes with its
   * last timetoken receives everything after it (as long as it is still kept); default 1000.
   */
  eventBufferSize?: number;
}

/**
 * A presence change as it happens: what the service would announce on `<channel>-pnpres` in
 * announce mode. (Subscribers of a channel in interval mode receive `interval` messages instead;
 * {@link Emulator.events$} always reports the individual changes.)
 *
 * @example
 * ```ts
 * const join: EmulatorPresenceEvent = {
 *   subscribeKey: 'demo', channel: 'lobby', action: 'join', uuid: 'alice', occupancy: 1, timestamp: 1_900_000_000,
 * };
 * ```
 */
export interface EmulatorPresenceEvent {
  readonly subscribeKey: string;
  /** The channel itself, without the `-pnpres` suffix. */
  readonly channel: string;
  readonly action: 'join' | 'leave' | 'timeout' | 'state-change';
  readonly uuid: string;
  /** Occupancy of the channel after the change. */
  readonly occupancy: number;
  /** Unix time in seconds, as in the service's events. */
  readonly timestamp: number;
  /** The uuid's state on the channel: the new state for `state-change`, the held state (if any) for the others. */
  readonly data?: unknown;
}

/**
 * The emulator's name for what a request asked for (`unknown` for anything it could not route).
 *
 * @example
 * ```ts
 * emulator.requests$.pipe(filter((r) => r.operation === 'heartbeat')).subscribe(() => beats++);
 * ```
 */
export type EmulatorOperation =
  | 'heartbeat'
  | 'leave'
  | 'hereNow'
  | 'globalHereNow'
  | 'whereNow'
  | 'setState'
  | 'getState'
  | 'channelGroup'
  | 'time'
  | 'subscribe'
  | 'unknown';

/**
 * One answered request, as seen on {@link Emulator.requests$}. A held subscribe is recorded when
 * it is answered; one the client abandoned is not recorded.
 *
 * `query` holds the decoded values as received (including `auth` and `signature`, so tests can
 * check what a client sent; only the log redacts them). A key sent without `=` has the value `''`.
 *
 * @example
 * ```ts
 * const record: EmulatorRequestRecord = {
 *   method: 'GET', path: '/v2/presence/sub-key/demo/uuid/alice', query: { uuid: 'bob' }, status: 200, operation: 'whereNow',
 * };
 * ```
 */
export interface EmulatorRequestRecord {
  readonly method: string;
  /** The path as sent, still percent-encoded. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly status: number;
  readonly operation: EmulatorOperation;
}

/**
 * A running emulator.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator();
 * const joins = emulator.events$.pipe(filter((e) => e.action === 'join')).subscribe(console.log);
 * await fetch(`${emulator.url}/v2/presence/sub-key/demo/channel/lobby/heartbeat?uuid=alice&heartbeat=60`);
 * joins.unsubscribe();
 * await emulator.close();
 * ```
 */
export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:8090`; with the SDK use `origin: url.slice('http://'.length), ssl: false`. */
  readonly url: string;
  readonly port: number;
  /** Hot: join, leave, timeout and state-change events as they happen. Completes on {@link Emulator.close}. */
  readonly events$: Observable<EmulatorPresenceEvent>;
  /** Hot: one record per answered request. Completes on {@link Emulator.close}. */
  readonly requests$: Observable<EmulatorRequestRecord>;
  /**
   * Expires all presence whose timeout has passed, now. Expiry also runs before every request and
   * on a background timer about once a second, there in slices of a few milliseconds so that a
   * mass timeout does not stall the server; call this after moving an injected clock forward to
   * get every timeout at once.
   */
  sweep(): void;
  /** Sockets currently open (keep-alive connections included). */
  openConnections(): number;
  /** Subscribe long-polls currently held (waiting for messages or their timeout). */
  heldSubscribes(): number;
  /**
   * Stops listening, answers every held subscribe with no messages, closes every socket, completes
   * `events$` and `requests$`. Safe to call twice.
   */
  close(): Promise<void>;
}
