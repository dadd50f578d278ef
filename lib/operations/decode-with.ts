import type * as t from 'io-ts';
import { map, type OperatorFunction } from 'rxjs';
import { decodeBody } from '../codecs/decode';
import type { PresenceOperation } from '../errors';

/**
 * Decodes each body with an io-ts codec; a body the codec rejects becomes a `malformed-response`
 * `PresenceError` notification whose message lists the issues
 * (`at payload.channels: expected Array<string>, got null`), so one bad answer fails loudly
 * instead of surfacing later as an `undefined` deep in user code. `url` names the request in that
 * message; a function is called only when a body is rejected.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { of } from 'rxjs';
 * import { decodeWith } from 'rx-presence';
 *
 * of({ status: 200 }, { status: '200' })
 *   .pipe(decodeWith(t.type({ status: t.number }), 'heartbeat'))
 *   .subscribe({ next: console.log, error: (e) => console.log(e.category, e.issues) });
 * // Output:
 * // { status: 200 }
 * // malformed-response [ { path: 'status', expected: 'number', actual: '200' } ]
 * ```
 */
export function decodeWith<A>(codec: t.Decoder<unknown, A>, operation: PresenceOperation, url?: string | (() => string)): OperatorFunction<unknown, A> {
  return map((body) => decodeBody(codec, body, operation, url));
}
