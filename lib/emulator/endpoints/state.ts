/**
 * `GET /v2/presence/sub-key/{sub}/channel/{channels|,}/uuid/{uuid}/data?state=…` (set state) and
 * `…/uuid/{uuid}` (get state): a uuid's state on channels and the channels of groups.
 */
import type { RequestQuery } from '../pipeline/query';
import { replies, type Reply } from '../pipeline/responses';
import type { StateRoute } from '../pipeline/router';
import { byName, checkUuid, targets, unique, type EndpointContext } from './helpers';
import { parseState } from './state-input';

/**
 * Set state: the state, checked as the service does, on every channel named; echoed back once.
 *
 * @example
 * ```ts
 * setState(route, RequestQuery.parse('uuid=me&state=%7B%22mood%22%3A%22ok%22%7D'), ctx);
 * ```
 */
export function setState(route: StateRoute, query: RequestQuery, ctx: EndpointContext): Reply {
  checkUuid(query.get('uuid'));
  const uuid = checkUuid(route.uuid);
  const state = parseState(query.get('state'));
  const keyspace = ctx.keyspaces.write(route.subscribeKey);
  keyspace.presence.setState(uuid, targets(keyspace, { channels: route.channels, groups: query.list('channel-group') }), state);
  return replies.setState(state);
}

/**
 * Get state: the bare state for exactly one channel and no group, `payload.channels` otherwise.
 *
 * @example
 * ```ts
 * getState(route, RequestQuery.parse('uuid=me'), ctx); // '{"status": 200, "uuid": "alice", …, "payload": {…}, "channel": "lobby"}'
 * ```
 */
export function getState(route: StateRoute, query: RequestQuery, ctx: EndpointContext): Reply {
  checkUuid(query.get('uuid'));
  const uuid = checkUuid(route.uuid);
  const channels = unique(route.channels);
  const groups = unique(query.list('channel-group'));
  const keyspace = ctx.keyspaces.read(route.subscribeKey);
  if (channels.length === 1 && groups.length === 0) {
    return replies.getStateSingle(uuid, channels[0], keyspace.presence.getState(uuid, channels[0]) ?? {});
  }
  const states = byName<unknown>();
  for (const channel of targets(keyspace, { channels, groups })) {
    const state = keyspace.presence.getState(uuid, channel);
    if (state !== undefined) states[channel] = state;
  }
  return replies.getStateMulti(uuid, states);
}
