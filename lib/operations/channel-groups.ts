import type * as t from 'io-ts';
import type { Observable } from 'rxjs';
import { ChannelGroupChangeBody, ChannelGroupChannelsBody, ChannelGroupListBody } from '../codecs/bodies';
import { validationError, type PresenceOperation } from '../errors';
import type { KeysetChoice } from '../keyset';
import type { RequestKeys } from '../transport/types';
import { paths } from '../protocol/paths';
import type { ChannelGroupChangeResult, ChannelGroupChannels, ChannelGroupList } from '../types';
import { checkName, names } from '../validate';
import { callOperation, type OperationContext } from './context';

/** A call on one channel group: the name is checked first, then `prepare` makes the request. */
function callOnGroup<W, A>(
  context: OperationContext,
  operation: PresenceOperation,
  group: string,
  options: KeysetChoice,
  prepare: (subscribeKey: string) => { readonly path: string; readonly query?: Record<string, string> },
  codec: t.Decoder<unknown, W>,
  toResult: (wire: W) => A,
): Observable<A> {
  const checked = (keys: RequestKeys) => {
    checkName(operation, 'channel group', group);
    return { query: {}, ...prepare(keys.subscribeKey) };
  };
  return callOperation(context, operation, options, checked, codec, toResult);
}

function changeChannels(
  context: OperationContext,
  operation: PresenceOperation,
  param: 'add' | 'remove',
  group: string,
  channels: Iterable<string>,
  options: KeysetChoice,
): Observable<ChannelGroupChangeResult> {
  return callOnGroup(
    context,
    operation,
    group,
    options,
    (subscribeKey) => {
      const list = names(operation, 'channel', channels);
      if (list.length === 0) throw validationError(operation, 'give at least one channel');
      return { query: { [param]: list.join(',') }, path: paths.channelGroup(subscribeKey, group) };
    },
    ChannelGroupChangeBody,
    () => ({ group }),
  );
}

/**
 * Adds channels to a group (created on first use). Cold; emits once.
 */
export function addChannels(context: OperationContext, group: string, channels: Iterable<string>, options: KeysetChoice = {}) {
  return changeChannels(context, 'addChannels', 'add', group, channels, options);
}

/** Removes channels from a group. Cold; emits once. */
export function removeChannels(context: OperationContext, group: string, channels: Iterable<string>, options: KeysetChoice = {}) {
  return changeChannels(context, 'removeChannels', 'remove', group, channels, options);
}

/** Lists a group's channels; an unknown group has none. Cold; emits once. */
export function listChannels(context: OperationContext, group: string, options: KeysetChoice = {}): Observable<ChannelGroupChannels> {
  return callOnGroup(context, 'listChannels', group, options, (subscribeKey) => ({ path: paths.channelGroup(subscribeKey, group) }), ChannelGroupChannelsBody, (body) => ({
    group: body.payload.group ?? group,
    channels: body.payload.channels,
  }));
}

/** Lists the keyset's groups. Cold; emits once. */
export function listGroups(context: OperationContext, options: KeysetChoice = {}): Observable<ChannelGroupList> {
  return callOperation(context, 'listGroups', options, (keys) => ({ query: {}, path: paths.listChannelGroups(keys.subscribeKey) }), ChannelGroupListBody, (body) => ({ groups: body.payload.groups }));
}

/** Deletes a group. Cold; emits once. */
export function deleteGroup(context: OperationContext, group: string, options: KeysetChoice = {}): Observable<ChannelGroupChangeResult> {
  return callOnGroup(context, 'deleteGroup', group, options, (subscribeKey) => ({ path: paths.deleteChannelGroup(subscribeKey, group) }), ChannelGroupChangeBody, () => ({ group }));
}
