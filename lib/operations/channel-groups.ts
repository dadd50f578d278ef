import type { Observable } from 'rxjs';
import { ChannelGroupChangeBody, ChannelGroupChannelsBody, ChannelGroupListBody } from '../codecs/bodies';
import { validationError, type PresenceOperation } from '../errors';
import type { KeysetChoice } from '../keyset';
import { paths } from '../protocol/paths';
import type { ChannelGroupChangeResult, ChannelGroupChannels, ChannelGroupList } from '../types';
import { checkName, names } from '../validate';
import { callOperation, type PresenceContext } from './context';

function changeChannels(
  context: PresenceContext,
  operation: PresenceOperation,
  param: 'add' | 'remove',
  group: string,
  channels: Iterable<string>,
  options: KeysetChoice,
): Observable<ChannelGroupChangeResult> {
  return callOperation(
    context,
    operation,
    options,
    (keys) => {
      checkName(operation, 'channel group', group);
      const list = names(operation, 'channel', channels);
      if (list.length === 0) throw validationError(operation, 'give at least one channel');
      return { query: { [param]: list.join(',') }, path: paths.channelGroup(keys.subscribeKey, group) };
    },
    ChannelGroupChangeBody,
    () => ({ group }),
  );
}

/**
 * Adds channels to a group (created on first use). Cold; emits once.
 */
export function addChannels(context: PresenceContext, group: string, channels: Iterable<string>, options: KeysetChoice = {}) {
  return changeChannels(context, 'addChannels', 'add', group, channels, options);
}

/** Removes channels from a group. Cold; emits once. */
export function removeChannels(context: PresenceContext, group: string, channels: Iterable<string>, options: KeysetChoice = {}) {
  return changeChannels(context, 'removeChannels', 'remove', group, channels, options);
}

/** Lists a group's channels; an unknown group has none. Cold; emits once. */
export function listChannels(context: PresenceContext, group: string, options: KeysetChoice = {}): Observable<ChannelGroupChannels> {
  const operation = 'listChannels';
  return callOperation(
    context,
    operation,
    options,
    (keys) => {
      checkName(operation, 'channel group', group);
      return { query: {}, path: paths.channelGroup(keys.subscribeKey, group) };
    },
    ChannelGroupChannelsBody,
    (body) => ({ group: body.payload.group ?? group, channels: body.payload.channels }),
  );
}

/** Lists the keyset's groups. Cold; emits once. */
export function listGroups(context: PresenceContext, options: KeysetChoice = {}): Observable<ChannelGroupList> {
  const operation = 'listGroups';
  return callOperation(
    context,
    operation,
    options,
    (keys) => {
      return { query: {}, path: paths.listChannelGroups(keys.subscribeKey) };
    },
    ChannelGroupListBody,
    (body) => ({ groups: body.payload.groups }),
  );
}

/** Deletes a group. Cold; emits once. */
export function deleteGroup(context: PresenceContext, group: string, options: KeysetChoice = {}): Observable<ChannelGroupChangeResult> {
  const operation = 'deleteGroup';
  return callOperation(
    context,
    operation,
    options,
    (keys) => {
      checkName(operation, 'channel group', group);
      return { query: {}, path: paths.deleteChannelGroup(keys.subscribeKey, group) };
    },
    ChannelGroupChangeBody,
    () => ({ group }),
  );
}
