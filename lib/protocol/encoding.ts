const UNRESERVED = /^[A-Za-z0-9\-_.]*$/;

/**
 * PubNub's percent-encoding: `encodeURIComponent` plus `! ~ * ' ( )`, so the only characters left
 * raw are `A–Z a–z 0–9 - _ .`. Channel names in paths and every query value use it, and the v2
 * signature is computed over it, which is why `URLSearchParams` (space → `+`) must never be used
 * for anything that gets signed.
 *
 * @example
 * ```ts
 * encodeString('channel#1'); // 'channel%231'
 * encodeString("it's (ok)!"); // 'it%27s%20%28ok%29%21'
 * ```
 */
export function encodeString(value: string): string {
  // Most values (uuids, numbers, plain names) need no escaping at all.
  if (UNRESERVED.test(value)) return value;
  return encodeURIComponent(value).replace(/[!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Encodes a list of names for one path segment: each name encoded on its own and joined with a
 * literal `,`; an empty list becomes the protocol's "no channels" marker, a lone `,`.
 *
 * @example
 * ```ts
 * encodeNames(['a b', 'c']); // 'a%20b,c'
 * encodeNames([]);           // ','
 * ```
 */
export function encodeNames(names: readonly string[]): string {
  return names.length === 0 ? ',' : names.map(encodeString).join(',');
}

/**
 * Reads a list of names: the names between commas, empty ones dropped, so that `,` and `''` both
 * mean "none" (how {@link encodeNames} writes an empty list). A path segment is split before it is
 * percent-decoded (`a%2Cb` is the one channel `a,b`); a query value (`channel-group`, `add`,
 * `remove`) after, so there `%2C` separates too (Kotlin sends `channel-group=%2C` for "none").
 *
 * @example
 * ```ts
 * splitNames('a,b');  // ['a', 'b']
 * splitNames(',');    // []
 * ```
 */
export function splitNames(list: string | undefined): string[] {
  return list === undefined ? [] : list.split(',').filter((name) => name !== '');
}

/**
 * A query as the protocol sees it: every value already a string, unencoded, order irrelevant.
 * The transport encodes and sorts it, so the URL it sends is the one it signs.
 *
 * @example
 * ```ts
 * import type { PresenceRequest, Query } from 'rx-presence';
 *
 * const query: Query = { heartbeat: '60', 'channel-group': 'cg1,cg2' };
 * const request: PresenceRequest = {
 *   operation: 'heartbeat',
 *   path: '/v2/presence/sub-key/demo/channel/lobby/heartbeat',
 *   query,
 *   keys: { subscribeKey: 'demo', userId: 'me' },
 * };
 * ```
 */
export type Query = Readonly<Record<string, string>>;

/**
 * Serialises a query with {@link encodeString}, keys sorted: the canonical form the v2 signature
 * is computed over, and also what we put on the wire (so what is signed is what is sent).
 *
 * @example
 * ```ts
 * canonicalQuery({ uuid: 'me', auth: 'k', state: '{"a":1}' });
 * // 'auth=k&state=%7B%22a%22%3A1%7D&uuid=me'
 * ```
 */
export function canonicalQuery(query: Query): string {
  const keys = Object.keys(query).sort();
  let search = '';
  for (let i = 0; i < keys.length; i++) search += `${i === 0 ? '' : '&'}${keys[i]}=${encodeString(query[keys[i]])}`;
  return search;
}
