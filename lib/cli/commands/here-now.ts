import { Command } from 'commander';
import { StateInfo, type HereNowResult } from '../../index';
import { columns, count, hereNowJson, stateText } from '../format';
import { invocation, once } from '../invocation';
import type { CliIo } from '../io';
import { nameList } from '../parse';

/**
 * The human rendering: each channel with its occupancy, then its occupants (with state when asked).
 *
 * @example
 * ```ts
 * renderHereNow(result);
 * // ['lobby  2 occupants', '  alice  {"mood":"ok"}', '  bob', 'total: 2 occupants on 1 channel']
 * ```
 */
export function renderHereNow(result: HereNowResult): string[] {
  if (result.channels.size === 0) return ['nobody is present'];
  const lines: string[] = [];
  for (const [name, channel] of result.channels) {
    lines.push(`${name}  ${count(channel.count, 'occupant')}`);
    lines.push(...columns([...channel.uuids.values()].map((o) => ['  ' + o.uuid, stateText(o.state)])));
  }
  lines.push(`total: ${count(result.totalOccupancy, 'occupant')} on ${count(result.totalChannels, 'channel')}`);
  return lines;
}

/**
 * `rx-presence here-now [channels…] [--groups …] [--state]`: who is present. With no channels
 * and no groups, every occupied channel of the keyset (global here-now).
 *
 * @example
 * ```ts
 * // $ rx-presence --sub-key demo here-now lobby --state
 * // lobby  1 occupant
 * //   alice  {"mood":"ok"}
 * // total: 1 occupant on 1 channel
 * program.addCommand(hereNowCommand(io));
 * ```
 */
export function hereNowCommand(io: CliIo): Command {
  return new Command('here-now')
    .summary('who is present on channels (none given: every channel of the keyset)')
    .description('Who is present on channels and channel groups, with occupancy. With no channels and no groups: every occupied channel of the keyset.')
    .argument('[channels...]', 'channels to look at')
    .option('--groups <groups...>', 'channel groups to look at too', nameList)
    .option('--state', "include each occupant's state")
    .action(async (channels: string[], options: { groups?: string[]; state?: boolean }, command: Command) => {
      const { presence, out } = invocation(command, io);
      const stateInfo = options.state === true ? StateInfo.all : StateInfo.onlyUUIDs;
      const result = await once(presence.hereNow({ channels, channelGroups: options.groups ?? [], stateInfo }), io.signal);
      out.result(hereNowJson(result), () => renderHereNow(result));
    });
}
