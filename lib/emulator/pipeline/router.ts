import { splitNames } from '../../protocol/encoding';
import { decodeComponent } from './query';

/**
 * Here now, heartbeat and leave: channels in the path (groups come in the query).
 *
 * @example
 * ```ts
 * const route: ChannelsRoute = { operation: 'heartbeat', subscribeKey: 'demo', channels: ['lobby'] };
 * ```
 */
export interface ChannelsRoute {
  readonly operation: 'hereNow' | 'heartbeat' | 'leave';
  readonly subscribeKey: string;
  readonly channels: readonly string[];
}

/**
 * Get and set state: channels and the target uuid in the path.
 *
 * @example
 * ```ts
 * const route: StateRoute = { operation: 'setState', subscribeKey: 'demo', channels: ['lobby'], uuid: 'alice' };
 * ```
 */
export interface StateRoute {
  readonly operation: 'getState' | 'setState';
  readonly subscribeKey: string;
  readonly channels: readonly string[];
  readonly uuid: string;
}

/**
 * Where now: the target uuid in the path.
 *
 * @example
 * ```ts
 * const route: WhereNowRoute = { operation: 'whereNow', subscribeKey: 'demo', uuid: 'alice' };
 * ```
 */
export interface WhereNowRoute {
  readonly operation: 'whereNow';
  readonly subscribeKey: string;
  readonly uuid: string;
}

/**
 * The channel registry.
 *
 * @example
 * ```ts
 * const route: ChannelGroupRoute = { operation: 'channelGroup', subscribeKey: 'demo', action: 'delete', group: 'cg' };
 * ```
 */
export interface ChannelGroupRoute {
  readonly operation: 'channelGroup';
  readonly subscribeKey: string;
  /** `list-groups`: no group in the path; `group`: add / remove / list channels; `delete`: `…/remove`. */
  readonly action: 'list-groups' | 'group' | 'delete';
  readonly group: string;
}

/**
 * The subscribe long-poll, `/v2/subscribe/{sub}/{channels|,}/{callback}`: channels in the path
 * (presence ones with the `-pnpres` suffix), groups in the query. The last segment is the old JSONP
 * callback name, always `0` from the SDKs; any value is accepted.
 *
 * @example
 * ```ts
 * const route: SubscribeRoute = { operation: 'subscribe', subscribeKey: 'demo', channels: ['lobby', 'lobby-pnpres'] };
 * ```
 */
export interface SubscribeRoute {
  readonly operation: 'subscribe';
  readonly subscribeKey: string;
  readonly channels: readonly string[];
}

/**
 * A request path matched to an endpoint, names already decoded.
 *
 * @example
 * ```ts
 * const route: Route = { operation: 'time' };
 * ```
 */
export type Route =
  | { readonly operation: 'time' }
  | { readonly operation: 'globalHereNow'; readonly subscribeKey: string }
  | ChannelsRoute
  | StateRoute
  | WhereNowRoute
  | ChannelGroupRoute
  | SubscribeRoute;

/**
 * A path that names no endpoint; `normalizedPath` is what the service quotes in its 404.
 *
 * @example
 * ```ts
 * const missing: NotFound = { operation: 'unknown', normalizedPath: '/v2/presence/sub_key/demo/uuid' };
 * ```
 */
export interface NotFound {
  readonly operation: 'unknown';
  readonly normalizedPath: string;
}


const SUB_KEY_SEGMENT = /^sub[-_]key$/;
const isSubKeySegment = (segment: string | undefined): boolean => segment === 'sub-key' || segment === 'sub_key';

/**
 * Decodes a path list segment: split on the literal `,` first, because a name may itself contain
 * an encoded comma (`a%2Cb` is the one channel `a,b`); a lone `,` means "no channels".
 */
const decodeNames = (segment: string): string[] => splitNames(segment).map(decodeComponent);

/**
 * Matches a raw request path (still percent-encoded, no query) to an endpoint, as the service does:
 * both `sub-key` and `sub_key` spellings, a trailing `/` ignored.
 *
 * Throws `MalformedEncodingError` for a bad escape in a name. An empty subscribe-key segment is a
 * match with `subscribeKey: ''` so that the caller can answer the Access Manager's 400.
 *
 * @example
 * ```ts
 * matchRoute('/v2/presence/sub_key/demo/channel/a,b%2Cc/leave');
 * // { operation: 'leave', subscribeKey: 'demo', channels: ['a', 'b,c'] }
 * matchRoute('/v2/presence/sub-key/demo/uuid/');
 * // { operation: 'unknown', normalizedPath: '/v2/presence/sub_key/demo/uuid' }
 * matchRoute('/v2/subscribe/demo/a,a-pnpres/0');
 * // { operation: 'subscribe', subscribeKey: 'demo', channels: ['a', 'a-pnpres'] }
 * ```
 */
export function matchRoute(rawPath: string): Route | NotFound {
  const path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
  const segments = path.split('/').slice(1);
  const route = matchSegments(segments);
  return route ?? notFoundOf(path, segments);
}

/** The 404 for `path`; built only for paths that match nothing. */
const notFoundOf = (path: string, segments: readonly string[]): NotFound => ({
  operation: 'unknown',
  // The service's 404s spell the key segment `sub_key` whatever the request used.
  normalizedPath: segments.length > 2 && SUB_KEY_SEGMENT.test(segments[2])
    ? ['', ...segments.slice(0, 2), 'sub_key', ...segments.slice(3)].join('/')
    : path,
});

/** The route `segments` (the path split on `/`, without the leading empty one) name, or `undefined`. */
function matchSegments(segments: readonly string[]): Route | undefined {
  if (segments.length === 2 && segments[0] === 'time' && segments[1] === '0') return { operation: 'time' };

  if (segments[0] === 'v2' && segments[1] === 'subscribe') {
    // No `sub-key` keyword here: the key is the third segment.
    const [, , rawKey, names, callback, extra] = segments;
    if (rawKey === undefined || names === undefined || callback === undefined || callback === '' || extra !== undefined) {
      return undefined;
    }
    return { operation: 'subscribe', subscribeKey: decodeComponent(rawKey), channels: decodeNames(names) };
  }

  const [version, service, keyWord, rawKey, kind, names, third, fourth, fifth] = segments;
  if (!isSubKeySegment(keyWord) || rawKey === undefined) return undefined;
  const subscribeKey = decodeComponent(rawKey);
  /** Segments after the subscribe key. */
  const rest = segments.length - 4;

  if (version === 'v2' && service === 'presence') {
    if (kind === undefined) return { operation: 'globalHereNow', subscribeKey };
    if (kind === 'uuid' && names !== undefined && third === undefined && names !== '') {
      return { operation: 'whereNow', subscribeKey, uuid: decodeComponent(names) };
    }
    if (kind !== 'channel' || names === undefined) return undefined;
    const channels = decodeNames(names);
    if (third === undefined) return { operation: 'hereNow', subscribeKey, channels };
    if (fourth === undefined && (third === 'heartbeat' || third === 'leave')) {
      return { operation: third, subscribeKey, channels };
    }
    if (third === 'uuid' && fourth !== undefined && fourth !== '') {
      const uuid = decodeComponent(fourth);
      if (fifth === undefined) return { operation: 'getState', subscribeKey, channels, uuid };
      if (fifth === 'data' && rest === 5) return { operation: 'setState', subscribeKey, channels, uuid };
    }
    return undefined;
  }

  if (version === 'v1' && service === 'channel-registration' && kind === 'channel-group') {
    const group = names;
    const remove = third;
    if (group === undefined) return { operation: 'channelGroup', subscribeKey, action: 'list-groups', group: '' };
    if (group === '') return undefined;
    if (remove === undefined) return { operation: 'channelGroup', subscribeKey, action: 'group', group: decodeComponent(group) };
    if (remove === 'remove' && rest === 3) {
      return { operation: 'channelGroup', subscribeKey, action: 'delete', group: decodeComponent(group) };
    }
  }
  return undefined;
}
