import { defer, map, type Observable } from 'rxjs';
import type * as t from 'io-ts';
import { decodeWith } from '../codecs/decode';
import type { PresenceOperation } from '../errors';
import type { KeysetStore } from '../keyset';
import { canonicalQuery } from '../transport/encoding';
import type { PresenceRequest, Transport } from '../transport/types';

/**
 * What every operation needs: a transport and the keysets. The `Presence` client holds one;
 * tests build one around a fake transport.
 *
 * @example
 * ```ts
 * const context: PresenceContext = { transport: () => of({ status: 200, message: 'OK' }), keysets };
 * ```
 */
export interface PresenceContext {
  readonly transport: Transport;
  readonly keysets: KeysetStore;
}

/**
 * The shape of every one-shot operation: validate and build the request at subscribe time (so
 * errors are notifications, and each subscription is a fresh request), send, decode, map.
 */
export function callOperation<W, A, M = undefined>(
  context: PresenceContext,
  operation: PresenceOperation,
  prepare: () => PresenceRequest & { readonly meta?: M },
  codec: t.Decoder<unknown, W>,
  toResult: (wire: W, meta: M) => A,
): Observable<A> {
  return defer(() => {
    const { meta, ...request } = prepare();
    // The operation's own parameters only: credentials are added (and redacted) by the transport.
    const query = canonicalQuery(request.query);
    return context.transport(request).pipe(
      decodeWith(codec, operation, query ? `${request.path}?${query}` : request.path),
      map((wire) => toResult(wire, meta as M)),
    );
  });
}
