import { KeysetStore, type Keyset } from './keyset';
import type { PresenceContext } from './operations/context';
import { createFetchTransport, type FetchLike } from './transport/fetch-transport';
import type { RetryOptions } from './transport/retry-policy';
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
  const transport =
    options.transport ??
    createFetchTransport({
      origin: options.origin ?? DEFAULT_ORIGIN,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
    });
  return { transport, keysets };
}
