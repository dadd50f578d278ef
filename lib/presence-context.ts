import { KeysetStore, type Keyset } from './keyset';
import type { OperationContext } from './operations/context';
import { RETRY_DEFAULTS, type RetryOptions } from './retry-policy';
import type { HeartbeatLoop } from './streams/heartbeat-loop';
import type { PollLoop } from './streams/here-now-stream';
import { createFetchTransport, type FetchLike } from './transport/fetch-transport';
import type { Transport } from './transport/types';

/**
 * The real service: where a client sends requests when `origin` is left out.
 *
 * @example
 * ```ts
 * import { DEFAULT_ORIGIN } from 'rx-presence';
 *
 * console.log(DEFAULT_ORIGIN);
 * // Output: https://ps.pndsn.com
 * ```
 */
export const DEFAULT_ORIGIN = 'https://ps.pndsn.com';

/**
 * Options of the `Presence` client and of {@link presenceContext}.
 *
 * @example
 * ```ts
 * const options: PresenceOptions = {
 *   defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: new UserId('me') }),
 *   origin: 'http://127.0.0.1:8090',
 * };
 * ```
 */
export interface PresenceOptions {
  /** The keyset calls use when they name none. */
  readonly defaultKeyset?: Keyset;
  /** Scheme and host of the service. Default `https://ps.pndsn.com`; an emulator's `url` for local work. */
  readonly origin?: string;
  /** A `fetch` to use instead of cross-fetch. */
  readonly fetch?: FetchLike;
  /** Per-request timeout. Default 15,000 ms. */
  readonly requestTimeoutMs?: number;
  /** How transient failures are retried. Default 3 attempts, 250 ms doubling, jittered. */
  readonly retry?: RetryOptions;
  /** Replaces the HTTP transport entirely (marble tests pass a fake one). */
  readonly transport?: Transport;
  /**
   * The largest response body accepted, in bytes (default 8 MiB): a larger or endless body is
   * aborted once past it and ends the call in a `malformed-response` error, not retried.
   */
  readonly maxResponseBytes?: number;
}

/**
 * The loops a client's streams share among their subscribers, by keyset and options. Each is
 * made by its first subscriber and dropped once its last one is gone (and, for heartbeats, once
 * its leaves are answered): nothing outlives the subscriptions that use it, and two clients never
 * share one. Internal: `endHeartbeats` and `leaveOnExit` reach the heartbeat loops through it.
 */
export interface StreamLoops {
  /** The `heartbeat$` loops: one per keyset and timing. */
  readonly heartbeats: Map<string, HeartbeatLoop>;
  /** The `hereNow$` polls: one per keyset, state info and interval (channels only), or per identical request. */
  readonly polls: Map<string, PollLoop>;
}

/**
 * A client: what the free functions (`hereNow`, `heartbeat$`, `presenceEvents$`, `events$`) and
 * {@link endHeartbeats} take first, rxfire style. `new Presence(options)` holds one as
 * `presence.context`; {@link presenceContext} makes one without the class.
 *
 * @example
 * ```ts
 * import { Presence, Keyset, endHeartbeats, type PresenceContext } from 'rx-presence';
 *
 * const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'me' }) });
 * const context: PresenceContext = presence.context;
 * console.log(context.keysets.names());
 * // Output: [ 'default' ]
 * await endHeartbeats(context); // no heartbeat$ running: resolves at once
 * ```
 */
export interface PresenceContext extends OperationContext {
  /**
   * The retry policy of the client's own fetch transport, which the streams also apply to the
   * requests they make with one attempt (polls, leaves). Absent with a `transport` given in the
   * options: that one retries as it pleases.
   */
  readonly retry?: Required<RetryOptions>;
  /**
   * The loops the client's streams share (see `ARCHITECTURE.md`, Shared loops).
   *
   * @internal
   */
  readonly loops: StreamLoops;
}

/**
 * A client context without the `Presence` class: the transport and keysets that the free
 * functions (`hereNow`, `heartbeat$`, `presenceEvents$`, `events$`) take first, rxfire style.
 * `new Presence(options)` holds the same thing as `presence.context`; a page that calls only a
 * few free functions lets its bundler leave out every stream it does not use.
 *
 * @example
 * ```ts
 * import { heartbeat$, Keyset, presenceContext, presenceEvents$ } from 'rx-presence';
 *
 * const context = presenceContext({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'me' }) });
 * heartbeat$(context, { channels: ['lobby'] }).subscribe();
 * presenceEvents$(context, { channels: ['lobby'] }).subscribe((e) => console.log(e.action, e.uuid));
 * ```
 */
export function presenceContext(options: PresenceOptions = {}): PresenceContext {
  const keysets = new KeysetStore();
  if (options.defaultKeyset !== undefined) keysets.add('default', options.defaultKeyset, { useAsDefault: true });
  const loops: StreamLoops = { heartbeats: new Map(), polls: new Map() };
  if (options.transport !== undefined) return { transport: options.transport, keysets, loops };
  const retry = { ...RETRY_DEFAULTS, ...options.retry };
  const { fetch, requestTimeoutMs, maxResponseBytes } = options;
  const transport = createFetchTransport({ origin: options.origin ?? DEFAULT_ORIGIN, fetch, requestTimeoutMs, retry, maxResponseBytes });
  return { transport, keysets, retry, loops };
}
