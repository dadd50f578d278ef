import * as t from 'io-ts';
import { isLeft } from './either';
import { map, type OperatorFunction } from 'rxjs';
import { PresenceError, type PresenceOperation } from '../errors';
import { formatIssues, toIssues } from './report';

/**
 * Decodes a body with an io-ts codec, or throws a `malformed-response` {@link PresenceError}
 * whose message lists the issues (`at payload.channels: expected Array<string>, got null`).
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * decodeBody(t.type({ status: t.number }), { status: 200 }, 'heartbeat'); // { status: 200 }
 * ```
 */
function decodeBody<A>(codec: t.Decoder<unknown, A>, body: unknown, operation: PresenceOperation, url?: string): A {
  const result = codec.decode(body);
  if (isLeft(result)) {
    const issues = toIssues(result.left);
    const where = url === undefined ? '' : ` (GET ${url})`;
    throw new PresenceError('malformed-response', `${operation}: unexpected response${where}\n${formatIssues(issues)}`, {
      operation,
      issues,
      body,
      ...(url === undefined ? {} : { url }),
    });
  }
  return result.right;
}

/**
 * Decodes each body with an io-ts codec; a body the codec rejects becomes a `malformed-response`
 * {@link PresenceError} notification whose message lists the issues
 * (`at payload.channels: expected Array<string>, got null`), so one bad answer fails loudly
 * instead of surfacing later as an `undefined` deep in user code.
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
export function decodeWith<A>(codec: t.Decoder<unknown, A>, operation: PresenceOperation, url?: string): OperatorFunction<unknown, A> {
  return map((body) => decodeBody(codec, body, operation, url));
}
