/**
 * The channel registry, `/v1/channel-registration/sub-key/{sub}/channel-group[/{group}[/remove]]`:
 * list groups, list a group's channels, add and remove channels (`add=`, `remove=`), delete a group.
 */
import type { RequestQuery } from '../pipeline/query';
import { replies, type Reply } from '../pipeline/responses';
import type { ChannelGroupRoute } from '../pipeline/router';
import type { EndpointContext } from './helpers';

/**
 * Answers one channel-registry request.
 *
 * @example
 * ```ts
 * channelGroup({ operation: 'channelGroup', subscribeKey: 'demo', action: 'group', group: 'cg' }, RequestQuery.parse('add=a,b'), ctx);
 * // replies.registryOk()
 * ```
 */
export function channelGroup(route: ChannelGroupRoute, query: RequestQuery, ctx: EndpointContext): Reply {
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
