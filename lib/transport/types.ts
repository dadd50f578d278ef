import type { Observable } from 'rxjs';
import type { PresenceOperation } from '../errors';
import type { Query } from '../protocol/encoding';

/**
 * The credentials a request is made with. `secretKey` and `authKey` never leave the transport.
 *
 * @example
 * ```ts
 * import { Keyset, type RequestKeys } from 'rx-presence';
 *
 * const keys: RequestKeys = new Keyset({ subscribeKey: 'demo', userId: 'me' }).toRequestKeys();
 * console.log(keys);
 * // Output: { subscribeKey: 'demo', userId: 'me' }
 * ```
 */
export interface RequestKeys {
  /** The subscribe key, part of every path. */
  readonly subscribeKey: string;
  /** The publish key; only the v2 signature uses it. */
  readonly publishKey?: string;
  /** When set, the transport adds `timestamp` and a v2 `signature` to the request. */
  readonly secretKey?: string;
  /** Sent as the `auth` query parameter (Access Manager), redacted in errors. */
  readonly authKey?: string;
  /** Sent as the `uuid` query parameter: whose presence this is. */
  readonly userId: string;
}

/**
 * One protocol request, before the transport adds `uuid`, `pnsdk`, `auth` and the signature.
 *
 * @example
 * ```ts
 * const request: PresenceRequest = {
 *   operation: 'whereNow', path: '/v2/presence/sub-key/demo/uuid/alice', query: {}, keys,
 * };
 * ```
 */
export interface PresenceRequest {
  /** Which operation this is: picks the scripted answer in tests and names it in errors. */
  readonly operation: PresenceOperation;
  /** The path as sent: names already encoded with `encodeString`. */
  readonly path: string;
  /** Operation parameters, unencoded. */
  readonly query: Query;
  /** The keys and user id the transport signs and authenticates the request with. */
  readonly keys: RequestKeys;
  /** Overrides the transport's request timeout for this request (leave uses a short one). */
  readonly timeoutMs?: number;
  /** Overrides the transport's attempt count (1 = no retry); streams retry on their own. */
  readonly attempts?: number;
  /**
   * More `fetch` options: `{ keepalive: true }` lets the request outlive the page (the leave that
   * `leaveOnPageHide` sends as the page goes away).
   */
  readonly init?: {
    /** Let the request outlive the page that sent it (`fetch`'s own `keepalive`; bodies up to 64 KiB). */
    readonly keepalive?: boolean;
  };
}

/**
 * Sends a request and emits the parsed JSON body once, or errors with a `PresenceError`.
 * Cold: nothing is sent until subscribe; unsubscribing aborts. Streams and tests can supply
 * their own (a marble spec returns `cold('-a|', { a: body })`).
 *
 * @example
 * ```ts
 * const transport: Transport = () => of({ status: 200, message: 'OK', service: 'Presence' });
 * ```
 */
export type Transport = (request: PresenceRequest) => Observable<unknown>;
