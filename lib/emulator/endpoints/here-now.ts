/**
 * `GET /v2/presence/sub-key/{sub}/channel/{channels|,}` (here now) and `GET
 * /v2/presence/sub-key/{sub}` (global here now): who is on which channel, with paging (`limit`,
 * `offset`), `disable_uuids` and `state=1`; answers reused for `hereNowCacheMs`, as the service does.
 */
import { HERE_NOW_PAGE_LIMIT } from '../../protocol/limits';
import type { PresenceStore } from '../model/store';
import type { RequestQuery } from '../pipeline/query';
import { replies, type HereNowChannel, type HereNowUuid, type Reply } from '../pipeline/responses';
import type { ChannelsRoute } from '../pipeline/router';
import { byName, checkUuid, integer, targets, unique, type EndpointContext } from './helpers';

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
    limit: limit === undefined || limit < 0 || limit > HERE_NOW_PAGE_LIMIT ? HERE_NOW_PAGE_LIMIT : limit,
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

/**
 * Here now of the channels named and the channels of the groups named: the flat shape for exactly
 * one channel and no group, the `payload.channels` map otherwise.
 *
 * @example
 * ```ts
 * hereNow(route, RequestQuery.parse('uuid=me'), ctx).body; // '{"status": 200, …, "uuids": ["alice"], "occupancy": 1}'
 * ```
 */
export function hereNow(route: ChannelsRoute, query: RequestQuery, ctx: EndpointContext): Reply {
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
    return describeChannels(keyspace.presence, targets(keyspace, { channels, groups }), page);
  });
}

/**
 * Global here now: every occupied channel of the subscribe key, in the `payload.channels` shape.
 *
 * @example
 * ```ts
 * globalHereNow('demo', RequestQuery.parse('uuid=me&disable_uuids=1'), ctx);
 * ```
 */
export function globalHereNow(subscribeKey: string, query: RequestQuery, ctx: EndpointContext): Reply {
  checkUuid(query.get('uuid'));
  const page = pageOf(query);
  return ctx.cache.remember(ctx.cache.enabled ? cacheKey('globalHereNow', subscribeKey, [], [], page) : '', () => {
    const { presence } = ctx.keyspaces.read(subscribeKey);
    return describeChannels(presence, presence.occupiedChannels(), page);
  });
}
