import { Command } from 'commander';
import { columns, stateText } from '../format';
import { invocation, namedUuid, once } from '../invocation';
import type { CliIo } from '../io';
import { jsonObject, nameList } from '../parse';

/**
 * `rx-presence state get|set`: a user's presence state per channel.
 *
 * - `state get <channels…> [--groups …]` reads the state of `--uuid` (required: whose state).
 * - `state set <channels…> [--groups …] --state JSON` sets ours (`--uuid`). A `heartbeat`
 *   running with `--state` sends its own state with every beat and so overwrites this.
 *
 * @example
 * ```ts
 * // $ rx-presence --sub-key demo --uuid alice state set lobby --state '{"mood":"ok"}'
 * // alice on lobby: {"mood":"ok"}
 * // $ rx-presence --sub-key demo --uuid alice state get lobby
 * // lobby  {"mood":"ok"}
 * program.addCommand(stateCommand(io));
 * ```
 */
export function stateCommand(io: CliIo): Command {
  const state = new Command('state').summary("read or set a user's state (get | set)");

  state
    .command('get')
    .summary("a user's state on channels (whose: --uuid)")
    .argument('[channels...]', 'channels to read')
    .option('--groups <groups...>', 'channel groups to read too', nameList)
    .action(async (channels: string[], options: { groups?: string[] }, command: Command) => {
      const call = invocation(command, io);
      const uuid = namedUuid(call, io, '--uuid <uuid>');
      const result = await once(call.presence.getState({ uuid, channels, channelGroups: options.groups ?? [] }), io.signal);
      const byChannel = Object.fromEntries(result.stateByChannel);
      call.out.result({ uuid: result.uuid, channels: byChannel }, () =>
        columns(Object.entries(byChannel).map(([channel, value]) => [channel, isEmptyState(value) ? '(no state)' : stateText(value)])),
      );
    });

  state
    .command('set')
    .summary('set our state (--uuid) on channels')
    .argument('[channels...]', 'channels to set it on')
    .option('--groups <groups...>', 'channel groups to set it on too', nameList)
    .requiredOption('--state <json>', 'the state, a JSON object', jsonObject)
    .action(async (channels: string[], options: { groups?: string[]; state: Record<string, unknown> }, command: Command) => {
      const { presence, settings, out } = invocation(command, io);
      const channelGroups = options.groups ?? [];
      const result = await once(presence.setState(options.state, { channels, channelGroups }), io.signal);
      out.result({ uuid: settings.userId, channels, channelGroups, state: result.state }, () =>
        `${settings.userId} on ${[...channels, ...channelGroups].join(', ')}: ${stateText(result.state)}`,
      );
    });

  return state;
}

/** The service answers `{}` for "no state". */
function isEmptyState(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'object' && Object.keys(value).length === 0);
}
