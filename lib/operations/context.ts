import { catchError, defer, map, type Observable, throwError } from 'rxjs';
import type * as t from 'io-ts';
import { decodeBody } from '../codecs/decode';
import { asPresenceError, type PresenceError, type PresenceOperation } from '../errors';
import type { KeysetChoice, KeysetStore } from '../keyset';
import { canonicalQuery, type Query } from '../protocol/encoding';
import { groupQuery } from '../protocol/paths';
import { redactError, secretForms } from '../transport/redact';
import type { PresenceRequest, RequestKeys, Transport } from '../transport/types';
import { targets, type Targets } from '../validate';

/**
 * What every one-shot operation needs: a transport and the keysets. A {@link PresenceContext}
 * (`presence.context`) is one; so is any object with these two members.
 *
 * @example
 * ```ts
 * import { hereNow, Keyset, KeysetStore, type OperationContext } from 'rx-presence';
 * import { of } from 'rxjs';
 *
 * const context: OperationContext = {
 *   keysets: new KeysetStore().add('default', new Keyset({ subscribeKey: 'demo', userId: 'me' })),
 *   transport: () => of({ status: 200, occupancy: 0 }),
 * };
 * hereNow(context, { channels: ['lobby'] }).subscribe((r) => console.log(r.totalOccupancy));
 * // Output: 0
 * ```
 */
export interface OperationContext {
  /** Sends each request; the client's fetch transport, or the one given in `PresenceOptions`. */
  readonly transport: Transport;
  /** The keysets calls pick from with `keyset` / `using`. */
  readonly keysets: KeysetStore;
}

/** Knobs the streams set on the requests they make: one attempt (they retry themselves), a shorter timeout, more fetch options. */
export interface RequestTuning {
  readonly attempts?: number;
  readonly timeoutMs?: number;
  readonly init?: PresenceRequest['init'];
}

/**
 * The shape of every one-shot operation: at subscribe time (so errors are notifications, and each
 * subscription is a fresh request) pick the keyset, validate and build the request, then send,
 * decode and map. `prepare` gets the keys and returns the path and query (and any `meta` the
 * mapping needs).
 */
export function callOperation<W, A, M = undefined>(
  context: OperationContext,
  operation: PresenceOperation,
  choice: KeysetChoice,
  prepare: (keys: RequestKeys) => Prepared<M>,
  codec: t.Decoder<unknown, W>,
  toResult: (wire: W, meta: M) => A,
): Observable<A> {
  return defer(() => {
    const keys = context.keysets.resolve(choice, operation).toRequestKeys();
    const prepared = prepare(keys);
    return sendRequest(context, presenceRequest(operation, keys, prepared.path, prepared.query, prepared), codec, (wire) => toResult(wire, prepared.meta as M));
  });
}

/**
 * A request, field by field: the tuning fields only where set, so that a transport (a custom one,
 * or the recorder of `rx-presence/testing`) sees an unset one as absent. Never by spreading what an
 * operation prepared: spreads of the many shapes operations prepare are V8's slow path, and cost
 * more on a call's hot path than the rest of this layer (BENCHMARKS.md, fourth round).
 *
 * @example
 * ```ts
 * const keys = new Keyset({ subscribeKey: 'demo', userId: 'me' }).toRequestKeys();
 * presenceRequest('heartbeat', keys, '/v2/presence/sub-key/demo/channel/lobby/heartbeat', { heartbeat: '60' }, {});
 * // { operation: 'heartbeat', keys, path: '/v2/presence/…/heartbeat', query: { heartbeat: '60' } }: no timeoutMs, attempts or init
 * ```
 */
export function presenceRequest(operation: PresenceOperation, keys: RequestKeys, path: string, query: Query, tuning: RequestTuning): PresenceRequest {
  const request: { -readonly [K in keyof PresenceRequest]: PresenceRequest[K] } = { operation, keys, path, query };
  if (tuning.timeoutMs !== undefined) request.timeoutMs = tuning.timeoutMs;
  if (tuning.attempts !== undefined) request.attempts = tuning.attempts;
  if (tuning.init !== undefined) request.init = tuning.init;
  return request;
}

/** The part of a request an operation prepares; `meta` carries what its mapping needs. */
type Prepared<M> = Pick<PresenceRequest, 'path' | 'query' | 'timeoutMs' | 'attempts' | 'init'> & { readonly meta?: M };

/**
 * {@link callOperation} for a call on channels and groups (at least one of them): `prepare` gets
 * them checked, and the groups go into the query as `channel-group`.
 */
export function callOnTargets<W, A, M = undefined>(
  context: OperationContext,
  operation: PresenceOperation,
  options: KeysetChoice & { readonly channels?: Iterable<string>; readonly channelGroups?: Iterable<string> },
  prepare: (keys: RequestKeys, target: Targets) => Omit<Prepared<M>, 'query'> & { readonly query?: Query },
  codec: t.Decoder<unknown, W>,
  toResult: (wire: W, meta: M) => A,
): Observable<A> {
  const withTargets = (keys: RequestKeys) => {
    const target = targets(operation, options, true);
    const prepared = prepare(keys, target);
    // Object.assign, not spreads of the many shapes operations prepare (see presenceRequest).
    return Object.assign({}, prepared, { query: Object.assign({}, prepared.query, groupQuery(target.channelGroups)) });
  };
  return callOperation(context, operation, options, withTargets, codec, toResult);
}

/**
 * Sends a built request and decodes the answer: the part of {@link callOperation} after
 * validation. It calls the transport at once, so call it at subscribe time (inside `callOperation`'s
 * `defer`); the Observable it returns is the transport's, decoded. Decoding and mapping are one `map`
 * (they were `decodeWith` and a `map`, one more subscriber on every call, on the client's hot path:
 * BENCHMARKS.md, seventh round). A body the codec rejects, a throw in `toResult` and a transport
 * that fails, even by throwing instead of returning an Observable, all become `PresenceError`s,
 * and no error carries credentials.
 */
export function sendRequest<W, A>(context: OperationContext, request: PresenceRequest, codec: t.Decoder<unknown, W>, toResult: (wire: W) => A): Observable<A> {
  // Reading an answer must never fail with anything but a PresenceError, whatever it holds; and
  // what it holds (echoed back by a server or proxy) must not carry our credentials.
  const clean = (error: unknown): PresenceError =>
    redactError(asPresenceError(request.operation, error), secretForms([request.keys.authKey, request.keys.secretKey]));
  let answers: Observable<unknown>;
  try {
    answers = context.transport(request);
  } catch (error) {
    return throwError(() => clean(error));
  }
  return answers.pipe(
    map((body) => toResult(decodeBody(codec, body, request.operation, () => requestUrl(request)))),
    catchError((error: unknown) => throwError(() => clean(error))),
  );
}

/** The operation's own parameters only (credentials are the transport's): for a rejected body's message. */
function requestUrl(request: PresenceRequest): string {
  const query = canonicalQuery(request.query);
  return query ? `${request.path}?${query}` : request.path;
}
