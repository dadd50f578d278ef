/**
 * What every endpoint reads a request with (the REST ones and subscribe alike): the caller's uuid,
 * the channel and group lists, numbers, the presence timeout, and what a request acts on.
 */
import { MAX_PRESENCE_TIMEOUT_SECONDS, MAX_USER_ID_LENGTH } from '../../protocol/limits';
import { isPresenceChannel } from '../../protocol/presence-channels';
import type { Keyspace, Keyspaces } from '../model/keyspaces';
import { ReplyError, replies } from '../pipeline/responses';
import type { HereNowCache } from './here-now-cache';

/**
 * What the endpoints share for the lifetime of a server.
 *
 * @example
 * ```ts
 * const clock = { now: Date.now };
 * const ctx: EndpointContext = { keyspaces: new Keyspaces(clock, () => {}, 300), cache: new HereNowCache(0, clock) };
 * ```
 */
export interface EndpointContext {
  readonly keyspaces: Keyspaces;
  readonly cache: HereNowCache;
}

/**
 * A map from user-chosen names to values; no prototype, so a channel called `__proto__` is just a key.
 *
 * @example
 * ```ts
 * const states = byName<unknown>();
 * states.__proto__ = { mood: 'ok' }; // an ordinary entry
 * ```
 */
export const byName = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/**
 * Each name once, first occurrence kept.
 *
 * @example
 * ```ts
 * unique(['a', 'b', 'a']); // ['a', 'b']
 * ```
 */
export const unique = (names: readonly string[]): string[] => {
  // Most requests name one channel and no group: nothing to deduplicate.
  if (names.length < 2) return names as string[];
  if (names.length === 2) return names[0] === names[1] ? [names[0]] : (names as string[]);
  return [...new Set(names)];
};

/**
 * The caller's uuid, or the Presence 400 the service gives for a missing or over-long one (the
 * service counts code points).
 *
 * @example
 * ```ts
 * checkUuid(query.get('uuid')); // 'alice', or throws ReplyError
 * ```
 */
export const checkUuid = (uuid: string | undefined): string => {
  if (uuid === undefined || uuid === '') throw new ReplyError(replies.presenceError(400, 'No UUID specified'));
  // UTF-16 units are never fewer than code points: count those only for a long one.
  if (uuid.length > MAX_USER_ID_LENGTH && [...uuid].length > MAX_USER_ID_LENGTH) throw new ReplyError(replies.presenceError(400, 'Invalid UUID'));
  return uuid;
};

/**
 * A whole number from a query value (up to 15 digits, optionally negative), else `undefined`.
 *
 * @example
 * ```ts
 * integer('300'); // 300
 * integer('2.5'); // undefined
 * ```
 */
export const integer = (value: string | undefined): number | undefined =>
  value !== undefined && /^-?\d{1,15}$/.test(value) ? Number(value) : undefined;

/**
 * The presence timeout a `heartbeat` query value asks for, in seconds: a positive decimal number
 * (`60`, or `60.5`, which the JS SDK sends for a fractional `presenceTimeout`), capped at
 * `MAX_PRESENCE_TIMEOUT_SECONDS` as the service does (a larger value is clamped rather than
 * refused: the client still gets presence, just not for ever); `undefined` for anything else
 * (absent, `0`, negative, not a plain decimal), which means "the default".
 *
 * @example
 * ```ts
 * presenceTimeoutOf('60.5'); // 60.5
 * presenceTimeoutOf('1000'); // 320
 * presenceTimeoutOf('0');    // undefined
 * ```
 */
export const presenceTimeoutOf = (value: string | undefined): number | undefined => {
  if (value === undefined || !/^\d+(?:\.\d+)?$/.test(value)) return undefined;
  const seconds = Number(value);
  return seconds > 0 ? Math.min(seconds, MAX_PRESENCE_TIMEOUT_SECONDS) : undefined;
};

/**
 * Channels and groups named by a request: the path's channels and the `channel-group` list.
 *
 * @example
 * ```ts
 * const named: Names = { channels: ['lobby'], groups: ['rooms'] };
 * ```
 */
export interface Names {
  readonly channels: readonly string[];
  readonly groups: readonly string[];
}

/** `names` without the `-pnpres` ones; the same array when there are none (nearly always). */
const withoutPresence = (names: readonly string[]): readonly string[] => {
  for (const name of names) if (isPresenceChannel(name)) return names.filter((other) => !isPresenceChannel(other));
  return names;
};

/**
 * The channels and groups a request can be present on: each once, without the `-pnpres` ones
 * (clients must not heartbeat presence channels; the JS SDK strips them, and so does the service).
 *
 * @example
 * ```ts
 * presentNames(['lobby', 'lobby-pnpres', 'lobby'], ['rooms-pnpres']); // { channels: ['lobby'], groups: [] }
 * ```
 */
export const presentNames = (channels: readonly string[], groups: readonly string[]): Names => ({
  channels: unique(withoutPresence(channels)),
  groups: unique(withoutPresence(groups)),
});

/**
 * The channels a request acts on: its channels (already each once), then its groups' (each once).
 *
 * @example
 * ```ts
 * targets(keyspace, { channels: ['a'], groups: ['cg'] }); // ['a', ...channels of cg]
 * ```
 */
export const targets = (keyspace: Keyspace, names: Names): readonly string[] =>
  names.groups.length === 0 ? names.channels : keyspace.groups.expand(names.groups, names.channels);
