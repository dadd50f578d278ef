// Over 350 lines on purpose: the public types of rx-presence/emulator and their documentation, read in one place.
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
  /** The subscribe key requests name in their path (`/v2/presence/sub-key/<subscribeKey>/…`). */
  readonly subscribeKey: string;
  /** Part of the signed text; an unset key is signed as the string `undefined`, as the JS SDK does. */
  readonly publishKey?: string;
  /**
   * When set, requests on this keyset need a valid v2 `signature` and a fresh `timestamp` (within
   * {@link EmulatorOptions.signatureWindowSeconds}), and a signature is accepted only once.
   */
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
  /**
   * How far (seconds) a signed request's `timestamp` may be from the clock, in the past or the
   * future; default 60. Within that window each signature is accepted once: a replay gets the
   * Access Manager 403 `Signature Already Used` (see {@link EmulatorOptions.rejectReplayedSignatures}).
   */
  signatureWindowSeconds?: number;
  /**
   * Whether a signed request whose `signature` was already accepted within the timestamp window is
   * refused (403); default `true`. The official SDKs send a fresh `requestid` with every request,
   * so their signatures never repeat; turn this off for a client that may send the very same
   * signed request twice within one second.
   */
  rejectReplayedSignatures?: boolean;
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
  /**
   * Most channels plus channel groups one request may name (path channels, `channel-group`, and a
   * channel registry `add` / `remove` list, each counted on its own); beyond it the request is
   * answered 400 `Too many channels` in the body style of the service it addressed, and not
   * processed. Default 500.
   */
  maxChannelsPerRequest?: number;
  /**
   * Most connections served at once. A connection beyond it is accepted, but its first request is
   * answered `503` with the Balancer body `{"message":"Too many connections","error":true,
   * "service":"Balancer","status":503}`, `Retry-After: 1` and `Connection: close`, and then closed;
   * the request is not processed. Default 1024.
   */
  maxConnections?: number;
  /**
   * Most channels one channel group may hold; an add that would pass it is answered 400
   * `Maximum channel group count exceeded.` (channel-registry body) and not applied. Default
   * 2000 (`MAX_CHANNELS_PER_GROUP`), as the service.
   */
  maxChannelsPerGroup?: number;
  /**
   * Most states kept for users not present (set-state for a uuid not on the channel), over all
   * subscribe keys; beyond it the oldest is dropped for the new one. Each also lasts at most
   * {@link EmulatorOptions.defaultPresenceTimeout}. Default 10000 (`MAX_PARKED_STATES`); `0` keeps none.
   */
  maxParkedStates?: number;
  /**
   * How long (ms, on the emulator's clock) a channel's presence messages stay available for
   * catch-up after the last one was published; then they are dropped, so channels that come and
   * go leave nothing behind. Default 1200000 (20 minutes, `EVENT_RETENTION_MS`).
   */
  eventRetentionMs?: number;
  /** Faults to inject from the start (see {@link EmulatorFaults}); off by default. Change them later with {@link Emulator.setFaults}. */
  faults?: EmulatorFaults;
}

/**
 * Faults the emulator injects, to test how clients cope with a flaky service. Off unless given
 * (in {@link EmulatorOptions.faults}, with {@link Emulator.setFaults}, or the CLI's `--faults`).
 *
 * For every request whose operation is covered, the emulator decides on arrival, with a seeded
 * PRNG (mulberry32), whether it is faulted and how: the rates are shares of covered requests and
 * are exclusive (their sum must not exceed 1), so one request gets at most one of `errorRate`,
 * `resetRate`, `hangRate`, `truncateRate`, `garbageRate`, `false200Rate`. Each covered request
 * draws the same number of values whatever the outcome, so the same seed and the same order of
 * covered requests give the same faults; requests to operations not covered draw nothing.
 *
 * A faulted request is **not processed**: no presence changes, no events, no implicit heartbeat.
 * Latency applies to every covered request (faulted or not) before anything else happens; a request
 * whose client gives up during the delay is dropped unprocessed. Faulted requests appear on
 * {@link Emulator.requests$} with {@link EmulatorRequestRecord.fault} set.
 *
 * @example
 * ```ts
 * // A third of heartbeats fail (500/503/429 with Retry-After: 2), every request waits 20–80 ms.
 * const emulator = await startEmulator({
 *   faults: { seed: 42, operations: ['heartbeat'], errorRate: 1 / 3, retryAfterSeconds: 2, latencyMs: [20, 80] },
 * });
 * emulator.setFaults({ resetRate: 0.1 }); // now 10 % of every request but /time/0 is reset
 * emulator.setFaults(undefined);          // healthy again
 * ```
 */
export interface EmulatorFaults {
  /** PRNG seed; the same seed and request order give the same faults. Default 1. */
  readonly seed?: number;
  /** Operations the faults apply to (EmulatorOperation values). Default: every one except 'time'. */
  readonly operations?: readonly EmulatorOperation[];
  /** Added latency before answering, ms: a number, or [min, max] drawn per request. */
  readonly latencyMs?: number | readonly [number, number];
  /** Share (0..1) of requests answered with an error status drawn from `errorStatuses`. */
  readonly errorRate?: number;
  /** Default [500, 503, 429]. 429 and 503 carry `Retry-After: retryAfterSeconds`. Bodies: the protocol's JSON error bodies. */
  readonly errorStatuses?: readonly number[];
  /** Default 1. */
  readonly retryAfterSeconds?: number;
  /** Share of requests whose connection is destroyed without an answer (client sees ECONNRESET). */
  readonly resetRate?: number;
  /** Share of requests never answered (held until the client gives up or the emulator closes). */
  readonly hangRate?: number;
  /** Share answered 200 with a truncated JSON body. */
  readonly truncateRate?: number;
  /** Share answered 200 with a non-JSON body (an HTML page, text/html). */
  readonly garbageRate?: number;
  /** Share answered HTTP 200 with an error body `{"status":503,"message":"Service Unavailable","error":1,"service":"Presence"}` ("false 200"). */
  readonly false200Rate?: number;
}

/**
 * How a request was faulted (see {@link EmulatorFaults}): `error` (an error status), `reset` (the
 * connection destroyed), `hang` (never answered), `truncate` (200, JSON cut short), `garbage` (200,
 * an HTML page), `false200` (200 with an error body).
 *
 * @example
 * ```ts
 * const resets = records.filter((r) => r.fault === 'reset').length;
 * ```
 */
export type EmulatorFaultKind = 'error' | 'reset' | 'hang' | 'truncate' | 'garbage' | 'false200';

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
  /** The keyset the change happened in. */
  readonly subscribeKey: string;
  /** The channel itself, without the `-pnpres` suffix. */
  readonly channel: string;
  /** What happened: arrival, explicit leave, presence timeout, or new state. */
  readonly action: 'join' | 'leave' | 'timeout' | 'state-change';
  /** Whose presence changed. */
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
 * it is answered; one the client abandoned is not recorded. A faulted request is recorded when the
 * fault is applied, with {@link EmulatorRequestRecord.fault} set.
 *
 * `query` holds the decoded values as received, except credentials: the values of `auth` and
 * `signature` are replaced by `***` (the keys stay, so a test can still check they were sent), so
 * no record carries a credential. A key sent without `=` has the value `''`.
 *
 * @example
 * ```ts
 * const record: EmulatorRequestRecord = {
 *   method: 'GET', path: '/v2/presence/sub-key/demo/uuid/alice', query: { uuid: 'bob', auth: '***' }, status: 200, operation: 'whereNow',
 * };
 * ```
 */
export interface EmulatorRequestRecord {
  /** The HTTP method, e.g. `GET` (empty for a request Node could not parse). */
  readonly method: string;
  /** The path as sent, still percent-encoded. */
  readonly path: string;
  /** The query parameters, decoded; `auth` and `signature` values are `***`. */
  readonly query: Readonly<Record<string, string>>;
  /** The HTTP status sent; `0` when nothing was (a `reset` or `hang` fault). */
  readonly status: number;
  /** What the request asked for. */
  readonly operation: EmulatorOperation;
  /** Set when the request was faulted (see {@link EmulatorFaults}); absent otherwise. */
  readonly fault?: EmulatorFaultKind;
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
  /** The TCP port listened on (the one picked when {@link EmulatorOptions.port} was `0`); it stays the same across {@link Emulator.suspend} and {@link Emulator.resume}. */
  readonly port: number;
  /** Hot: join, leave, timeout and state-change events as they happen. Completes on {@link Emulator.close}. */
  readonly events$: Observable<EmulatorPresenceEvent>;
  /** Hot: one record per answered request. Completes on {@link Emulator.close}. */
  readonly requests$: Observable<EmulatorRequestRecord>;
  /**
   * Expires all presence whose timeout has passed, now, then drops what has gone idle: channel
   * message buffers past {@link EmulatorOptions.eventRetentionMs}, subscribe keys that hold nothing
   * (no one present, no parked state, no channel group). Expiry also runs before every request and
   * on a background timer about once a second, eviction every few seconds, both in slices of about a
   * millisecond so that a mass timeout does not stall the server; call this after moving an
   * injected clock forward to get every timeout at once.
   */
  sweep(): void;
  /** Sockets currently open (keep-alive connections included). */
  openConnections(): number;
  /** Subscribe long-polls currently held (waiting for messages or their timeout). */
  heldSubscribes(): number;
  /**
   * Replaces the injected faults (`undefined` turns them off), with a fresh PRNG from their seed.
   * Throws a `RangeError` for invalid faults, leaving the current ones in place.
   *
   * @example
   * ```ts
   * emulator.setFaults({ seed: 7, errorRate: 0.5, errorStatuses: [503] });
   * ```
   */
  setFaults(faults: EmulatorFaults | undefined): void;
  /**
   * The server goes away: stops listening and destroys every open connection (held subscribes and
   * hung requests included; clients see a reset, and new connections are refused) but keeps all
   * state. Presence expiry and interval messages keep running meanwhile, so a user whose
   * heartbeats cannot get through times out, as on the real service. Resolves once no socket is
   * left. Calling it while suspended does nothing.
   *
   * @example
   * ```ts
   * await emulator.suspend();
   * await new Promise((resolve) => setTimeout(resolve, 10_000)); // clients get ECONNREFUSED
   * await emulator.resume(); // same URL, same presence
   * ```
   */
  suspend(): Promise<void>;
  /**
   * Listens again on the same host and port after {@link Emulator.suspend}; does nothing when not
   * suspended. Rejects if the port was taken meanwhile (the emulator stays suspended; try again).
   */
  resume(): Promise<void>;
  /**
   * Closes gracefully: first lets what is already on its way be answered (a request arriving
   * within a short quiet period, and delayed answers, at most about a second in all; each answer
   * then says `Connection: close`), so that a leave sent just before `close()` still lands and
   * the client has nothing to retry. Then stops listening, answers every held subscribe with no
   * messages, closes every socket (keep-alive ones included), and completes `events$` and
   * `requests$`. Resolves once nothing is left open. Safe to call twice.
   *
   * @example
   * ```ts
   * const present = presence.heartbeat$({ channels: ['lobby'] }).subscribe();
   * // … the test …
   * present.unsubscribe();   // the leave goes out…
   * await emulator.close();  // …and is answered before the emulator goes: nothing lingers
   * ```
   */
  close(): Promise<void>;
}
