/**
 * `GET /v2/presence/sub-key/{sub}/channel/{channels|,}/heartbeat` and `…/leave`: a uuid announces
 * itself present on channels (and the channels of groups) until its presence timeout, or leaves
 * them. Subscribe renews presence the same way ({@link renewPresence}), as an implicit heartbeat.
 */
import type { Keyspaces } from '../model/keyspaces';
import type { StoredState } from '../model/store';
import type { RequestQuery } from '../pipeline/query';
import { replies, type Reply } from '../pipeline/responses';
import type { ChannelsRoute } from '../pipeline/router';
import { checkUuid, presenceTimeoutOf, presentNames, targets, type EndpointContext, type Names } from './helpers';
import { heartbeatStates, readHeartbeatState } from './state-input';

/**
 * The `state` a heartbeat or subscribe carries, read and checked (see `readHeartbeatState`);
 * `undefined` when it carries none. Throws `ReplyError` (400) for a state the service refuses.
 *
 * @example
 * ```ts
 * readPresenceState(query, { channels: ['lobby'], groups: [] }); // { lobby: { mood: 'ok' } }
 * ```
 */
export const readPresenceState = (query: RequestQuery, present: Names): StoredState | undefined => {
  const text = query.get('state');
  return text === undefined ? undefined : readHeartbeatState(text, present.channels, present.groups);
};

/**
 * Makes `uuid` present on `present`'s channels and its groups' channels (join on first sight) for
 * `timeoutSeconds` — `undefined` renews each by the timeout it last had, as a subscribe without
 * `heartbeat` does — and applies `state` as a heartbeat does. The one presence renewal of the
 * emulator: heartbeat and subscribe both call it.
 *
 * @example
 * ```ts
 * renewPresence(keyspaces, 'demo', 'alice', { channels: ['lobby'], groups: [] }, 60, undefined);
 * ```
 */
export function renewPresence(
  keyspaces: Keyspaces,
  subscribeKey: string,
  uuid: string,
  present: Names,
  timeoutSeconds: number | undefined,
  state: StoredState | undefined,
): void {
  if (present.channels.length === 0 && present.groups.length === 0) return;
  const keyspace = keyspaces.write(subscribeKey);
  const channels = targets(keyspace, present);
  const states =
    state === undefined
      ? undefined
      : heartbeatStates(state, present.channels, new Map(present.groups.map((group) => [group, keyspace.groups.channels(group)] as const)));
  keyspace.presence.heartbeat(uuid, channels, timeoutSeconds, states);
}

/**
 * Heartbeat: presence for `heartbeat` seconds (the default presence timeout when absent), state
 * from `state` if given.
 *
 * @example
 * ```ts
 * heartbeat(route, RequestQuery.parse('uuid=alice&heartbeat=60'), ctx); // replies.heartbeat()
 * ```
 */
export function heartbeat(route: ChannelsRoute, query: RequestQuery, ctx: EndpointContext): Reply {
  const uuid = checkUuid(query.get('uuid'));
  const present = presentNames(route.channels, query.list('channel-group'));
  const timeout = presenceTimeoutOf(query.get('heartbeat')) ?? ctx.keyspaces.defaultPresenceTimeout;
  renewPresence(ctx.keyspaces, route.subscribeKey, uuid, present, timeout, readPresenceState(query, present));
  return replies.heartbeat();
}

/**
 * Leave: the uuid is gone from the channels (and its groups' channels) at once, with its state there.
 *
 * @example
 * ```ts
 * leave(route, RequestQuery.parse('uuid=alice'), ctx); // replies.leave()
 * ```
 */
export function leave(route: ChannelsRoute, query: RequestQuery, ctx: EndpointContext): Reply {
  const uuid = checkUuid(query.get('uuid'));
  const keyspace = ctx.keyspaces.read(route.subscribeKey);
  keyspace.presence.leave(uuid, targets(keyspace, presentNames(route.channels, query.list('channel-group'))));
  return replies.leave();
}
