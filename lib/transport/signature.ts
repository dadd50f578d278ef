import { stringToSign, V2_PREFIX, type SignatureInput } from '../protocol/signing';

/** The base64url alphabet (RFC 4648 §5): the signature is written in it directly, never translated from base64. */
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Unpadded base64url of `bytes`. */
function base64url(bytes: Uint8Array): string {
  let text = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    text += BASE64URL[n >> 18] + BASE64URL[(n >> 12) & 63] + BASE64URL[(n >> 6) & 63] + BASE64URL[n & 63];
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i] << 16) | (rest === 2 ? bytes[i + 1] << 8 : 0);
    text += BASE64URL[n >> 18] + BASE64URL[(n >> 12) & 63] + (rest === 2 ? BASE64URL[(n >> 6) & 63] : '');
  }
  return text;
}

const utf8 = new TextEncoder();

// Inferred rather than named: the DOM library and @types/node name these types differently.
type Subtle = typeof globalThis.crypto.subtle;
type HmacKey = ReturnType<Subtle['importKey']>;

/** The last secret's imported key: a client signs every request with the same one. */
let lastKey: { secret: string; key: HmacKey } | undefined;

function hmacKey(subtle: Subtle, secret: string): HmacKey {
  if (lastKey?.secret !== secret) {
    lastKey = { secret, key: subtle.importKey('raw', utf8.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']) };
  }
  return lastKey.key;
}

/**
 * Web Crypto's `subtle`, which Node 20+ and browsers have (browsers only in secure contexts:
 * https, or http on localhost).
 */
function subtleCrypto(): Subtle {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) {
    throw new TypeError('signing needs Web Crypto (globalThis.crypto.subtle): Node 20+, or a browser page served over https');
  }
  return subtle;
}

/**
 * Computes PubNub's v2 request signature: HMAC-SHA256 over
 * `METHOD\npublishKey\npath\nsortedQuery\n` (GET has an empty body line), base64url without
 * padding, prefixed with `v2.`. Uses Web Crypto (`crypto.subtle`), so it is asynchronous and
 * works the same in Node 20+ and browsers.
 *
 * The official JS SDK interpolates an unset publish key as the string `undefined`; we do the same
 * so that signatures agree with the service for keysets without a publish key.
 *
 * @returns A promise of the signature; it rejects with a `TypeError` where Web Crypto is missing
 *   (a browser page served over plain http from another host than localhost).
 *
 * @example
 * ```ts
 * await signV2({
 *   secretKey: 'mySecretKey', publishKey: 'myPublishKey', method: 'GET',
 *   path: '/v2/auth/audit/sub-key/mySubscribeKey',
 *   query: { channel: 'ch1', pnsdk: 'PubNub-JS-Nodejs/suchJavascript', timestamp: '1317427200', uuid: 'myUUID' },
 * }); // 'v2.I7AFqanrAAtwVfvLHyKECTWw7UcZmwbRnwENpXdGB9E'
 * ```
 */
export async function signV2(input: SignatureInput): Promise<string> {
  const subtle = subtleCrypto();
  const mac = await subtle.sign('HMAC', await hmacKey(subtle, input.secretKey), utf8.encode(stringToSign(input)));
  return `${V2_PREFIX}${base64url(new Uint8Array(mac))}`;
}
