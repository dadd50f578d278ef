import type { HereNowCache } from './here-now-cache';
import type { Keyspace, Keyspaces } from './keyspaces';
import type { RequestQuery } from './query';
import { ReplyError, replies, type HereNowChannel, type HereNowUuid, type Reply } from './responses';
import type { ChannelGroupRoute, ChannelsRoute, Route, StateRoute, SubscribeRoute, WhereNowRoute } from './router';
import { heartbeatStates, parseState, readHeartbeatState } from './state';
import type { PresenceStore } from './store';
import type { EmulatorClock } from './types';

/**
 * What the handlers share for the lifetime of a server.
 *
 * @example
 * ```ts
 * const clock = { now: Date.now };
 * const ctx: HandlerContext = { keyspaces: new Keyspaces(clock, () => {}, 300), clock, cache: new HereNowCache(0, clock) };
 * ```
 */
export interface HandlerContext {
  readonly keyspaces: Keyspaces;
  readonly clock: EmulatorClock;
  readonly cache: HereNowCache;
}

/** Longest uuid the service takes (REST docs: up to 92 characters). */
const MAX_UUID_LENGTH = 92;
/** Most uuids per channel in one here-now page, and the page size when `limit` is absent. */
const MAX_HERE_NOW_LIMIT = 1000;

/** A map from user-chosen names to values; no prototype, so a channel called `__proto__` is just a key. */
const byName = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

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
 * Whether a channel or group name is not a presence (`-pnpres`) one.
 *
 * @example
 * ```ts
 * notPresenceChannel('lobby-pnpres'); // false
 * ```
 */
export const notPresenceChannel = (name: string): boolean => !name.endsWith('-pnpres');

/**
 * The caller's uuid, or the Presence 400 the service gives for a missing or over-long one.
 *
 * @example
 * ```ts
 * checkUuid(query.get('uuid')); // 'alice', or throws ReplyError
 * ```
 */
export const checkUuid = (uuid: string | undefined): string => {
  if (uuid === undefined || uuid === '') throw new ReplyError(replies.presenceError(400, 'No UUID specified'));
  // UTF-16 units are never fewer than code points: count those only for a long one.
  if (uuid.length > MAX_UUID_LENGTH && [...uuid].length > MAX_UUID_LENGTH) throw new ReplyError(replies.presenceError(400, 'Invalid UUID'));
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
 * Longest presence timeout a client may ask for (`heartbeat=`), in seconds: the service caps it at
 * 320, and so does the JS SDK's `presenceTimeout`. A larger value is clamped to it, as the service
 * does, rather than refused: the client still gets presence, just not for ever.
 *
 * @example
 * ```ts
 * presenceTimeoutOf('999999'); // MAX_PRESENCE_TIMEOUT_SECONDS
 * ```
 */
export const MAX_PRESENCE_TIMEOUT_SECONDS = 320;

/**
 * The presence timeout a `heartbeat` query value asks for, in seconds: a positive decimal number
 * (`60`, or `60.5`, which the JS SDK sends for a fractional `presenceTimeout`), capped at
 * {@link MAX_PRESENCE_TIMEOUT_SECONDS}; `undefined` for anything else (absent, `0`, negative, not a
 * plain decimal), which means "the default".
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

/** The channels a request acts on: the path's (already each once), then its groups' (each once). */
const targets = (keyspace: Keyspace, channels: readonly string[], groups: readonly string[]): readonly string[] =>
  groups.length === 0 ? channels : keyspace.groups.expand(groups, channels);

interface Page {
  readonly includeUuids: boolean;
  readonly includeState: boolean;
  readonly limit: number;
  readonly offset: number;
}

const pageOf = (query: RequestQuery): Page => {
  const limit = integer(query.get('limit'));
  return {
    // `limit=0` is the occupancy-only form, like `disable_uuids=1`.
    includeUuids: query.get('disable_uuids') !== '1' && limit !== 0,
    includeState: query.get('state') === '1',
    // REST docs: -1 (no limit) is the default and 1000 the maximum, so both end at 1000.
    limit: limit === undefined || limit < 0 || limit > MAX_HERE_NOW_LIMIT ? MAX_HERE_NOW_LIMIT : limit,
    offset: Math.max(0, integer(query.get('offset')) ?? 0),
  };
};

/**
 * What identifies a here-now answer in the cache. Names are JSON-quoted, so no choice of names
 * (which may hold any character) can make two different requests share a key.
 */
const cacheKey = (kind: string, subscribeKey: string, channels: readonly string[], groups: readonly string[], page: Page): string => {
  let key = `${kind}|${page.limit}|${page.offset}|${page.includeUuids ? 1 : 0}${page.includeState ? 1 : 0}|${JSON.stringify(subscribeKey)}`;
  for (const channel of channels) key += JSON.stringify(channel);
  key += '|';
  for (const group of groups) key += JSON.stringify(group);
  return key;
};

const describeChannel = (store: PresenceStore, channel: string, page: Page): HereNowChannel => {
  const occupancy = store.occupancy(channel);
  if (!page.includeUuids) return { occupancy };
  const uuids: HereNowUuid[] = [];
  let index = 0;
  for (const { uuid, state } of store.occupants(channel)) {
    if (index++ < page.offset) continue;
    if (uuids.length === page.limit) break;
    uuids.push(!page.includeState ? uuid : state === undefined ? { uuid } : { uuid, state });
  }
  return { uuids, occupancy };
};

const describeChannels = (store: PresenceStore, channels: Iterable<string>, page: Page): Reply => {
  const described = byName<HereNowChannel>();
  let total = 0;
  for (const channel of channels) {
    const occupancy = store.occupancy(channel);
    // Like the service, list occupied channels only.
    if (occupancy === 0) continue;
    described[channel] = describeChannel(store, channel, page);
    total += occupancy;
  }
  return replies.hereNowMulti(described, total);
};

function hereNow(route: ChannelsRoute, query: RequestQuery, ctx: HandlerContext): Reply {
  checkUuid(query.get('uuid'));
  const channels = unique(route.channels);
  const groups = unique(query.list('channel-group'));
  const page = pageOf(query);
  const key = ctx.cache.enabled ? cacheKey('hereNow', route.subscribeKey, channels, groups, page) : '';
  return ctx.cache.remember(key, () => {
    const keyspace = ctx.keyspaces.read(route.subscribeKey);
    if (channels.length === 1 && groups.length === 0) {
      return replies.hereNowSingle(describeChannel(keyspace.presence, channels[0], page));
    }
    return describeChannels(keyspace.presence, targets(keyspace, channels, groups), page);
  });
}

function globalHereNow(subscribeKey: string, query: RequestQuery, ctx: HandlerContext): Reply {
  checkUuid(query.get('uuid'));
  const page = pageOf(query);
  return ctx.cache.remember(ctx.cache.enabled ? cacheKey('globalHereNow', subscribeKey, [], [], page) : '', () => {
    const { presence } = ctx.keyspaces.read(subscribeKey);
    return describeChannels(presence, presence.occupiedChannels(), page);
  });
}

function heartbeat(route: ChannelsRoute, query: RequestQuery, ctx: HandlerContext): Reply {
  const uuid = checkUuid(query.get('uuid'));
  // Clients must not heartbeat presence channels; the JS SDK strips them, so do we.
  const channels = unique(withoutPresence(route.channels));
  const groups = unique(withoutPresence(query.list('channel-group')));
  const timeout = presenceTimeoutOf(query.get('heartbeat'));
  const stateText = query.get('state');
  const state = stateText === undefined ? undefined : readHeartbeatState(stateText, channels, groups);
  const keyspace = ctx.keyspaces.write(route.subscribeKey);
  keyspace.presence.heartbeat(
    uuid,
    targets(keyspace, channels, groups),
    timeout ?? ctx.keyspaces.defaultPresenceTimeout,
    state && heartbeatStates(state, channels, new Map(groups.map((group) => [group, keyspace.groups.channels(group)] as const))),
  );
  return replies.heartbeat();
}

/** `names` without the `-pnpres` ones; the same array when there are none (nearly always). */
const withoutPresence = (names: readonly string[]): readonly string[] => {
  for (const name of names) if (!notPresenceChannel(name)) return names.filter(notPresenceChannel);
  return names;
};

function leave(route: ChannelsRoute, query: RequestQuery, ctx: HandlerContext): Reply {
  const uuid = checkUuid(query.get('uuid'));
  const keyspace = ctx.keyspaces.read(route.subscribeKey);
  const channels = route.channels.filter(notPresenceChannel);
  const groups = query.list('channel-group').filter(notPresenceChannel);
  keyspace.presence.leave(uuid, targets(keyspace, channels, groups));
  return replies.leave();
}

function whereNow(route: WhereNowRoute, query: RequestQuery, ctx: HandlerContext): Reply {
  checkUuid(query.get('uuid'));
  return replies.whereNow(ctx.keyspaces.read(route.subscribeKey).presence.whereNow(checkUuid(route.uuid)));
}

function setState(route: StateRoute, query: RequestQuery, ctx: HandlerContext): Reply {
  checkUuid(query.get('uuid'));
  const uuid = checkUuid(route.uuid);
  const state = parseState(query.get('state'));
  const keyspace = ctx.keyspaces.write(route.subscribeKey);
  keyspace.presence.setState(uuid, targets(keyspace, route.channels, query.list('channel-group')), state);
  return replies.setState(state);
}

function getState(route: StateRoute, query: RequestQuery, ctx: HandlerContext): Reply {
  checkUuid(query.get('uuid'));
  const uuid = checkUuid(route.uuid);
  const channels = unique(route.channels);
  const groups = unique(query.list('channel-group'));
  const keyspace = ctx.keyspaces.read(route.subscribeKey);
  if (channels.length === 1 && groups.length === 0) {
    return replies.getStateSingle(uuid, channels[0], keyspace.presence.getState(uuid, channels[0]) ?? {});
  }
  const states = byName<unknown>();
  for (const channel of targets(keyspace, channels, groups)) {
    const state = keyspace.presence.getState(uuid, channel);
    if (state !== undefined) states[channel] = state;
  }
  return replies.getStateMulti(uuid, states);
}

function channelGroup(route: ChannelGroupRoute, query: RequestQuery, ctx: HandlerContext): Reply {
  const { subscribeKey, group } = route;
  if (route.action === 'list-groups') return replies.listGroups(ctx.keyspaces.read(subscribeKey).groups.groups());
  if (route.action === 'delete') {
    ctx.keyspaces.read(subscribeKey).groups.delete(group);
    return replies.registryOk();
  }
  // A key without a value (Dart always sends both `add` and `remove`) means "not given".
  const add = query.get('add');
  const remove = query.get('remove');
  if (add === undefined && remove === undefined) {
    return replies.listChannels(group, ctx.keyspaces.read(subscribeKey).groups.channels(group));
  }
  const { groups } = ctx.keyspaces.write(subscribeKey);
  // Refused whole, before any remove of the same request is applied.
  if (add !== undefined && !groups.add(group, query.list('add'))) return replies.groupFull();
  if (remove !== undefined) groups.remove(group, query.list('remove'));
  return replies.registryOk();
}

/**
 * Answers a routed, authorised request other than subscribe (which may be held, see
 * `SubscribeService`). Client errors are thrown as {@link ReplyError}.
 *
 * @example
 * ```ts
 * const reply = handle(matchRoute('/time/0') as Route, RequestQuery.parse(''), ctx);
 * reply.body; // '[17000000000000000]'
 * ```
 */
export function handle(route: Exclude<Route, SubscribeRoute>, query: RequestQuery, ctx: HandlerContext): Reply {
  switch (route.operation) {
    case 'time':
      return replies.time(ctx.clock.now());
    case 'hereNow':
      return hereNow(route, query, ctx);
    case 'globalHereNow':
      return globalHereNow(route.subscribeKey, query, ctx);
    case 'heartbeat':
      return heartbeat(route, query, ctx);
    case 'leave':
      return leave(route, query, ctx);
    case 'whereNow':
      return whereNow(route, query, ctx);
    case 'setState':
      return setState(route, query, ctx);
    case 'getState':
      return getState(route, query, ctx);
    case 'channelGroup':
      return channelGroup(route, query, ctx);
  }
}
