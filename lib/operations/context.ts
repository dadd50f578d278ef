import { catchError, defer, map, type Observable, throwError } from 'rxjs';
import type * as t from 'io-ts';
import { decodeWith } from '../codecs/decode';
import { asPresenceError, type PresenceOperation } from '../errors';
import type { KeysetChoice, KeysetStore } from '../keyset';
import { canonicalQuery } from '../protocol/encoding';
import { redactError, secretForms } from '../transport/redact';
import type { PresenceRequest, RequestKeys, Transport } from '../transport/types';

/**
 * What every operation needs: a transport and the keysets. The `Presence` client holds one, as
 * `presence.context`; {@link endHeartbeats} and `leaveOnExit` (`rx-presence/node`) take it so they can reach the
 * client's `heartbeat$` loops, which are kept per context.
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
export interface PresenceContext {
  /** Sends each request; the client's fetch transport, or the one given in `PresenceOptions`. */
  readonly transport: Transport;
  /** The keysets calls pick from with `keyset` / `using`. */
  readonly keysets: KeysetStore;
}

/**
 * The shape of every one-shot operation: at subscribe time (so errors are notifications, and each
 * subscription is a fresh request) pick the keyset, validate and build the request, then send,
 * decode and map. `prepare` gets the keys and returns the path and query (and any `meta` the
 * mapping needs).
 */
export function callOperation<W, A, M = undefined>(
  context: PresenceContext,
  operation: PresenceOperation,
  choice: KeysetChoice,
  prepare: (keys: RequestKeys) => Pick<PresenceRequest, 'path' | 'query' | 'timeoutMs' | 'attempts'> & { readonly meta?: M },
  codec: t.Decoder<unknown, W>,
  toResult: (wire: W, meta: M) => A,
): Observable<A> {
  return defer(() => {
    const keys = context.keysets.resolve(choice, operation).toRequestKeys();
    const { meta, ...fields } = prepare(keys);
    return sendRequest(context, { operation, keys, ...fields }, codec, (wire) => toResult(wire, meta as M));
  });
}

/** Sends a built request and decodes the answer: the part of {@link callOperation} after validation. */
export function sendRequest<W, A>(context: PresenceContext, request: PresenceRequest, codec: t.Decoder<unknown, W>, toResult: (wire: W) => A): Observable<A> {
  // The operation's own parameters only: credentials are added (and redacted) by the transport.
  const query = canonicalQuery(request.query);
  return context.transport(request).pipe(
    decodeWith(codec, request.operation, query ? `${request.path}?${query}` : request.path),
    map(toResult),
    // Reading an answer must never fail with anything but a PresenceError, whatever it holds; and
    // what it holds (echoed back by a server or proxy) must not carry our credentials.
    catchError((error: unknown) =>
      throwError(() => redactError(asPresenceError(request.operation, error), secretForms([request.keys.authKey, request.keys.secretKey]))),
    ),
  );
}
