import type { Observable } from 'rxjs';
import type { PresenceOperation } from '../errors';
import type { Query } from './encoding';

/** The credentials a request is made with. `secretKey` and `authKey` never leave the transport. */
export interface RequestKeys {
  readonly subscribeKey: string;
  readonly publishKey?: string;
  readonly secretKey?: string;
  readonly authKey?: string;
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
  readonly operation: PresenceOperation;
  /** The path as sent: names already encoded with `encodeString`. */
  readonly path: string;
  /** Operation parameters, unencoded. */
  readonly query: Query;
  readonly keys: RequestKeys;
  /** Overrides the transport's request timeout for this request (leave uses a short one). */
  readonly timeoutMs?: number;
  /** Overrides the transport's attempt count (1 = no retry); streams retry on their own. */
  readonly attempts?: number;
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
