/**
 * PubNub's v2 request signature, the part both sides must agree on to the byte: which parameters
 * carry credentials, and the text the HMAC is computed over. The HMAC itself is computed twice,
 * independently: with Web Crypto by the client (`transport/signature.ts`) and with Node's crypto module by
 * the emulator (`emulator/pipeline/access.ts`); a spec checks both against the official SDK's
 * signer, so a bug in this shared text would not go unseen either.
 */
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
 * console.log(await signV2(input));
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
 * Query parameters whose values are credentials (`auth`, `signature`): never written to a log, an
 * error or a record.
 *
 * @example
 * ```ts
 * CREDENTIAL_PARAMS.includes('auth'); // true
 * ```
 */
export const CREDENTIAL_PARAMS: readonly string[] = ['auth', 'signature'];

/**
 * What every v2 signature starts with; the rest is the HMAC in unpadded base64url.
 *
 * @example
 * ```ts
 * `${V2_PREFIX}${base64url(hmac)}`; // 'v2.I7AFqanrAAtwVfvLHyKECTWw7UcZmwbRnwENpXdGB9E'
 * ```
 */
export const V2_PREFIX = 'v2.';

/**
 * The text a v2 signature is the HMAC-SHA256 of: `METHOD\npublishKey\npath\nsortedQuery\n`
 * (presence only sends GET, whose body line is empty). `path` is the path as sent (names already
 * percent-encoded); the query is written by {@link canonicalQuery} (keys sorted, values with
 * PubNub's encoder), whatever form it travelled in. An unset publish key is written `undefined`,
 * as the official SDK does.
 *
 * @example
 * ```ts
 * stringToSign({ method: 'GET', publishKey: 'pub', path: '/time/0', query: { uuid: 'me', timestamp: '1' } });
 * // 'GET\npub\n/time/0\ntimestamp=1&uuid=me\n'
 * ```
 */
export function stringToSign(input: Omit<SignatureInput, 'secretKey'>): string {
  return `${input.method}\n${input.publishKey}\n${input.path}\n${canonicalQuery(input.query)}\n`;
}
