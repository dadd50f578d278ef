import * as t from 'io-ts';
import { isLeft } from './either';
import { PresenceError, type PresenceOperation } from '../errors';
import { formatIssues, toIssues } from './report';

/**
 * Decodes a body with an io-ts codec, or throws a `malformed-response` {@link PresenceError}
 * whose message lists the issues (`at payload.channels: expected Array<string>, got null`).
 * `urlOf`, the (redacted) request for the message, may be a function: only a failure calls it.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * decodeBody(t.type({ status: t.number }), { status: 200 }, 'heartbeat'); // { status: 200 }
 * ```
 */
export function decodeBody<A>(codec: t.Decoder<unknown, A>, body: unknown, operation: PresenceOperation, urlOf?: string | (() => string)): A {
  const result = codec.decode(body);
  if (isLeft(result)) {
    const issues = toIssues(result.left);
    const url = typeof urlOf === 'function' ? urlOf() : urlOf;
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
