import { createHmac } from 'node:crypto';
import { canonicalQuery, type Query } from './encoding';

/** What a v2 signature covers. `path` is the path as sent, names already percent-encoded. */
export interface SignatureInput {
  readonly secretKey: string;
  readonly publishKey: string | undefined;
  readonly method: 'GET';
  readonly path: string;
  /** Every query parameter except `signature`, including `timestamp`. */
  readonly query: Query;
}

/**
 * Computes PubNub's v2 request signature: HMAC-SHA256 over
 * `METHOD\npublishKey\npath\nsortedQuery\n` (GET has an empty body line), base64url without
 * padding, prefixed with `v2.`.
 *
 * The official JS SDK interpolates an unset publish key as the string `undefined`; we do the same
 * so that signatures agree with the service for keysets without a publish key.
 *
 * @example
 * ```ts
 * signV2({
 *   secretKey: 'mySecretKey', publishKey: 'myPublishKey', method: 'GET',
 *   path: '/v2/auth/audit/sub-key/mySubscribeKey',
 *   query: { channel: 'ch1', pnsdk: 'PubNub-JS-Nodejs/suchJavascript', timestamp: '1317427200', uuid: 'myUUID' },
 * }); // 'v2.I7AFqanrAAtwVfvLHyKECTWw7UcZmwbRnwENpXdGB9E'
 * ```
 */
export function signV2(input: SignatureInput): string {
  const text = `${input.method}\n${input.publishKey}\n${input.path}\n${canonicalQuery(input.query)}\n`;
  return `v2.${createHmac('sha256', input.secretKey).update(text).digest('base64url')}`;
}
