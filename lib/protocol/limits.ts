/**
 * The service's limits and defaults that both sides know: the client stays within them before it
 * sends anything, and the emulator enforces them as the service does. One definition each, so the
 * two can never drift apart.
 */

/**
 * The service's limit for a user id: 92 characters. The client counts UTF-16 code units (the
 * stricter reading); the emulator, like the service, counts code points.
 *
 * @example
 * ```ts
 * 'u'.repeat(MAX_USER_ID_LENGTH + 1); // refused as a user id
 * ```
 */
export const MAX_USER_ID_LENGTH = 92;

/**
 * The service's limit for channel and group names, in UTF-16 code units.
 *
 * @example
 * ```ts
 * import { MAX_NAME_LENGTH } from 'rx-presence';
 *
 * const fits = (name: string) => name.length <= MAX_NAME_LENGTH;
 * console.log(fits('lobby'), fits('x'.repeat(93)));
 * // Output: true false
 * ```
 */
export const MAX_NAME_LENGTH = 92;

/**
 * The service's limit for one state object, JSON-encoded, in UTF-8 bytes.
 *
 * @example
 * ```ts
 * import { MAX_STATE_BYTES } from 'rx-presence';
 *
 * const bytes = Buffer.byteLength(JSON.stringify({ mood: 'ok' }));
 * console.log(bytes <= MAX_STATE_BYTES, MAX_STATE_BYTES);
 * // Output: true 32768
 * ```
 */
export const MAX_STATE_BYTES = 32 * 1024;

/**
 * The most channels plus channel groups one request may name: the service refuses more with a
 * 400. Requests the client merges (the shared heartbeat and here-now loops, the leave) are split
 * to stay within it; it is also the emulator's default `maxChannelsPerRequest`.
 *
 * @example
 * ```ts
 * import { MAX_CHANNELS_PER_REQUEST } from 'rx-presence';
 *
 * console.log(MAX_CHANNELS_PER_REQUEST);
 * // Output: 500
 * ```
 */
export const MAX_CHANNELS_PER_REQUEST = 500;

/**
 * The longest request URI (path and query) the service's balancer accepts; a longer one gets a
 * 414. Requests the client merges are split to stay within it, with room for the credentials.
 *
 * @example
 * ```ts
 * import { MAX_REQUEST_URI_BYTES } from 'rx-presence';
 *
 * console.log(MAX_REQUEST_URI_BYTES);
 * // Output: 32768
 * ```
 */
export const MAX_REQUEST_URI_BYTES = 32 * 1024;

/**
 * Longest presence timeout a client may ask for (`heartbeat=`), in seconds: the service caps it at
 * 320, and so does the JS SDK's `presenceTimeout`. The client refuses more; the emulator clamps a
 * larger value to it, as the service does, rather than refusing it.
 *
 * @example
 * ```ts
 * import { MAX_PRESENCE_TIMEOUT_SECONDS } from 'rx-presence/emulator';
 *
 * console.log(MAX_PRESENCE_TIMEOUT_SECONDS);
 * // Output: 320
 * ```
 */
export const MAX_PRESENCE_TIMEOUT_SECONDS = 320;

/**
 * The service's default presence timeout, in seconds: what `heartbeat` is when left out.
 *
 * @example
 * ```ts
 * import { DEFAULT_PRESENCE_TIMEOUT } from 'rx-presence';
 *
 * // heartbeat$'s default interval, as PubNub's SDKs compute it.
 * console.log(DEFAULT_PRESENCE_TIMEOUT / 2 - 1);
 * // Output: 149
 * ```
 */
export const DEFAULT_PRESENCE_TIMEOUT = 300;

/**
 * The most uuids per channel the service returns in one page; the largest `limit` accepted.
 *
 * @example
 * ```ts
 * import { HERE_NOW_PAGE_LIMIT } from 'rx-presence';
 *
 * console.log(HERE_NOW_PAGE_LIMIT);
 * // Output: 1000
 * ```
 */
export const HERE_NOW_PAGE_LIMIT = 1000;
