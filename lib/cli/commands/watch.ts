import { Command } from 'commander';
import { lastValueFrom, takeUntil, tap } from 'rxjs';
import { MIN_POLL_INTERVAL, StateInfo, type PresenceEvent } from '../../index';
import { clock, stateText } from '../format';
import { invocation, once } from '../invocation';
import { aborted, type CliIo } from '../io';
import { nameList, seconds } from '../parse';

/**
 * Default seconds between polls: livelier than the library's 10 for someone watching a terminal.
 *
 * @example
 * ```ts
 * presence.presenceEvents$({ channels: ['lobby'], interval: WATCH_INTERVAL });
 * ```
 */
export const WATCH_INTERVAL = 5;

/**
 * One event as a human line: `14:03:27  join          lobby  alice  2 here  {"mood":"ok"}`.
 *
 * @example
 * ```ts
 * eventLine({ action: 'leave', channel: 'lobby', uuid: 'bob', occupancy: 1, timestamp: Date.now() });
 * ```
 */
export function eventLine(event: PresenceEvent): string {
  const state = event.action === 'state-invalid' ? `${stateText(event.state)} (${event.issues.join('; ')})` : stateText(event.state);
  return `${clock(event.timestamp)}  ${event.action.padEnd(12)}  ${event.channel}  ${event.uuid}  ${event.occupancy} here  ${state}`.trimEnd();
}

/**
 * `rx-presence watch [channels…] [--groups …] [--interval N]`: join, leave and state-change
 * events (`presenceEvents$`) until Ctrl-C. The first poll reports everyone already present as a
 * join. Polling cannot tell a leave from a timeout: both arrive as `leave`.
 *
 * @example
 * ```ts
 * // $ rx-presence --sub-key demo watch lobby
 * // watching lobby every 5 s; Ctrl-C to stop
 * // 14:03:27  join          lobby  alice  1 here
 * program.addCommand(watchCommand(io));
 * ```
 */
export function watchCommand(io: CliIo): Command {
  return new Command('watch')
    .summary('print join / leave / state-change events until Ctrl-C')
    .argument('[channels...]', 'channels to watch (none and no groups: every channel of the keyset)')
    .option('--groups <groups...>', 'channel groups to watch too', nameList)
    .option('--interval <seconds>', `seconds between polls, at least ${MIN_POLL_INTERVAL} (default ${WATCH_INTERVAL})`, seconds(MIN_POLL_INTERVAL))
    .action(async (channels: string[], options: { groups?: string[]; interval?: number }, command: Command) => {
      const { presence, out } = invocation(command, io);
      const channelGroups = options.groups ?? [];
      const interval = options.interval ?? WATCH_INTERVAL;
      // The stream skips failed polls forever (right for an app, silent for a terminal): one
      // plain here-now first makes a wrong origin or key fail at once, with its reason.
      await once(presence.hereNow({ channels, channelGroups, stateInfo: StateInfo.none }), io.signal);
      const names = [...channels, ...channelGroups];
      out.note(`watching ${names.length === 0 ? 'every channel' : names.join(', ')} every ${interval} s; Ctrl-C to stop`);
      await lastValueFrom(
        presence.presenceEvents$({ channels, channelGroups, interval, stateInfo: StateInfo.all }).pipe(
          takeUntil(aborted(io.signal)),
          tap((event) => out.result(event, () => eventLine(event))),
        ),
        { defaultValue: undefined },
      );
    });
}
