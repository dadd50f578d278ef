import { Command } from 'commander';
import { invocation, namedUuid, once } from '../invocation';
import type { CliIo } from '../io';

/**
 * `rx-presence where-now [uuid]`: the channels a user is present on; the uuid defaults to
 * `--uuid` / `RX_PRESENCE_UUID`.
 *
 * @example
 * ```ts
 * // $ rx-presence --sub-key demo where-now alice
 * // lobby
 * // games
 * program.addCommand(whereNowCommand(io));
 * ```
 */
export function whereNowCommand(io: CliIo): Command {
  return new Command('where-now')
    .summary('the channels a user is present on')
    .argument('[uuid]', 'whose channels (default: --uuid)')
    .action(async (positional: string | undefined, _options: object, command: Command) => {
      const call = invocation(command, io);
      const uuid = positional ?? namedUuid(call, io, 'where-now <uuid>');
      const { channels } = await once(call.presence.whereNow({ uuid }), io.signal);
      call.out.result({ uuid, channels }, () => (channels.length === 0 ? `${uuid} is not present on any channel` : channels));
    });
}
