import { createHmac } from 'node:crypto';
import { canonicalQuery, type Query } from './encoding';

/**
 * What a v2 signature covers. `path` is the path as sent, names already percent-encoded.
 *
 * @example
 * ```ts
 * import { signV2, type SignatureInput } from 'rx-presence';
 *
 * const input: SignatureInput = {
 *   secretKey: 'mySecretKey', publishKey: 'myPublishKey', method: 'GET',
 *   path: '/v2/auth/audit/sub-key/mySubscribeKey',
 *   query: { channel: 'ch1', pnsdk: 'PubNub-JS-Nodejs/suchJavascript', timestamp: '1317427200', uuid: 'myUUID' },
 * };
 * console.log(signV2(input));
 * // Output: v2.I7AFqanrAAtwVfvLHyKECTWw7UcZmwbRnwENpXdGB9E
 * ```
 */
export interface SignatureInput {
  /** The HMAC key; never sent. */
  readonly secretKey: string;
  /** Signed as is; `undefined` is signed as the text `undefined`, as the official SDK does. */
  readonly publishKey: string | undefined;
  /** The HTTP method; presence only sends GET, whose signature has an empty body line. */
  readonly method: 'GET';
  /** The path as sent, e.g. `/v2/presence/sub-key/demo/channel/a%20b/heartbeat`. */
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
