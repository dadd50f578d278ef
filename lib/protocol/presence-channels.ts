/**
 * Presence events travel on a channel of their own: `<channel>-pnpres` (and `<group>-pnpres` for a
 * channel group). The suffix is reserved: a client never names a channel with it except to
 * subscribe to presence, and the service ignores such names in heartbeats and leaves.
 */

/**
 * The suffix of the channels presence events are published on.
 *
 * @example
 * ```ts
 * `lobby${PRESENCE_SUFFIX}`; // 'lobby-pnpres'
 * ```
 */
export const PRESENCE_SUFFIX = '-pnpres';

/**
 * Whether `name` is a presence channel (or group): it ends in {@link PRESENCE_SUFFIX}.
 *
 * @example
 * ```ts
 * isPresenceChannel('lobby-pnpres'); // true
 * isPresenceChannel('lobby');        // false
 * ```
 */
export const isPresenceChannel = (name: string): boolean => name.endsWith(PRESENCE_SUFFIX);

/**
 * The presence channel of `name`: where its join, leave, timeout and state-change events go.
 *
 * @example
 * ```ts
 * presenceChannelOf('lobby'); // 'lobby-pnpres'
 * ```
 */
export const presenceChannelOf = (name: string): string => `${name}${PRESENCE_SUFFIX}`;

/**
 * The channel (or group) a presence channel is about: `name` without {@link PRESENCE_SUFFIX}.
 * Only for names {@link isPresenceChannel} accepts.
 *
 * @example
 * ```ts
 * channelOfPresence('lobby-pnpres'); // 'lobby'
 * ```
 */
export const channelOfPresence = (name: string): string => name.slice(0, -PRESENCE_SUFFIX.length);
