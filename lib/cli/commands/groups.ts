import { Command } from 'commander';
import { invocation, once } from '../invocation';
import type { CliIo } from '../io';
import { nameList } from '../parse';

/**
 * `rx-presence groups add|remove|list|delete`: channel-group management.
 *
 * @example
 * ```ts
 * // $ rx-presence --sub-key demo groups add cg1 lobby games
 * // added lobby, games to cg1
 * // $ rx-presence --sub-key demo groups list cg1
 * // lobby
 * // games
 * program.addCommand(groupsCommand(io));
 * ```
 */
export function groupsCommand(io: CliIo): Command {
  const groups = new Command('groups').summary('manage channel groups (add | remove | list | delete)');

  groups
    .command('add')
    .summary('add channels to a group (created on first use)')
    .argument('<group>')
    .argument('<channels...>', 'channel names (spaces or commas between them)', nameList)
    .action(async (group: string, channels: string[], _options: object, command: Command) => {
      const { presence, out } = invocation(command, io);
      await once(presence.channelGroups.addChannels(group, channels), io.signal);
      out.result({ group, added: channels }, () => `added ${channels.join(', ')} to ${group}`);
    });

  groups
    .command('remove')
    .summary('remove channels from a group')
    .argument('<group>')
    .argument('<channels...>', 'channel names (spaces or commas between them)', nameList)
    .action(async (group: string, channels: string[], _options: object, command: Command) => {
      const { presence, out } = invocation(command, io);
      await once(presence.channelGroups.removeChannels(group, channels), io.signal);
      out.result({ group, removed: channels }, () => `removed ${channels.join(', ')} from ${group}`);
    });

  groups
    .command('list')
    .summary("the keyset's groups, or one group's channels")
    .argument('[group]', 'list this group\'s channels instead')
    .action(async (group: string | undefined, _options: object, command: Command) => {
      const { presence, out } = invocation(command, io);
      if (group === undefined) {
        const { groups: names } = await once(presence.channelGroups.listGroups(), io.signal);
        out.result({ groups: names }, () => (names.length === 0 ? '(no groups)' : names));
      } else {
        const { channels } = await once(presence.channelGroups.listChannels(group), io.signal);
        out.result({ group, channels }, () => (channels.length === 0 ? `(${group} has no channels)` : channels));
      }
    });

  groups
    .command('delete')
    .summary('delete a group')
    .argument('<group>')
    .action(async (group: string, _options: object, command: Command) => {
      const { presence, out } = invocation(command, io);
      await once(presence.channelGroups.delete(group), io.signal);
      out.result({ group, deleted: true }, () => `deleted ${group}`);
    });

  return groups;
}
