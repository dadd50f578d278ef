import { Command } from 'commander';
import type { Subscription } from 'rxjs';
import { DEFAULT_PRESENCE_TIMEOUT, endHeartbeats, HEARTBEAT_RANGE, type HeartbeatEvent, type PresenceError, type PresenceState } from '../../index';
import { CommandFailedError, oneLine } from '../errors';
import { clock } from '../format';
import { invocation, shortReason, untilAborted } from '../invocation';
import type { CliIo } from '../io';
import { jsonObject, nameList, seconds, wholeNumber } from '../parse';

/**
 * How long Ctrl-C waits for the leave to be answered before giving up (exit 1), in ms.
 *
 * @example
 * ```ts
 * await endHeartbeats(presence.context, LEAVE_WAIT_MS);
 * ```
 */
export const LEAVE_WAIT_MS = 3000;

interface HeartbeatOptions {
  readonly groups?: string[];
  readonly state?: Record<string, unknown>;
  readonly heartbeat?: number;
  readonly interval?: number;
}

/**
 * `rx-presence heartbeat [channels…] [--groups …] [--state JSON] [--heartbeat N] [--interval N]`:
 * stays present (a `heartbeat$`) until Ctrl-C, then announces leave and exits 0 once the leave
 * is answered. A leave that failed (after its retries) or was not answered within
 * {@link LEAVE_WAIT_MS} is exit 1 with its reason: the service keeps us present until the
 * presence timeout, which whoever runs this should know. `--state` is one object, held on every
 * channel and group given.
 *
 * @example
 * ```ts
 * // $ rx-presence --sub-key demo --uuid alice heartbeat lobby --state '{"mood":"ok"}' --heartbeat 60
 * // 14:03:27 present on lobby as alice (heartbeat 60 s, every 29 s); Ctrl-C to leave
 * // ^C
 * // 14:03:41 left lobby
 * program.addCommand(heartbeatCommand(io));
 * ```
 */
export function heartbeatCommand(io: CliIo): Command {
  return new Command('heartbeat')
    .summary('stay present on channels until Ctrl-C, then leave')
    .argument('[channels...]', 'channels to be present on')
    .option('--groups <groups...>', 'channel groups to be present on too', nameList)
    .option('--state <json>', 'our state on each of them, a JSON object', jsonObject)
    .option('--heartbeat <seconds>', `presence timeout, ${HEARTBEAT_RANGE.min} to ${HEARTBEAT_RANGE.max} (default ${DEFAULT_PRESENCE_TIMEOUT})`, wholeNumber(HEARTBEAT_RANGE.min, HEARTBEAT_RANGE.max))
    .option('--interval <seconds>', 'seconds between heartbeats (default: heartbeat / 2 - 1)', seconds(0))
    .action(async (channels: string[], options: HeartbeatOptions, command: Command) => {
      // The leaves' outcome: `undefined` until one is answered or has failed; a failure sticks
      // (many channels may take several leaves, and one failed is a failure).
      let leave: { readonly error: unknown } | undefined;
      let lastRetry: PresenceError | undefined;
      const { presence, settings, out } = invocation(command, io, {
        onLeave: (error) => (leave = { error: leave?.error ?? error }),
        onRetry: (error) => (lastRetry = error),
      });
      const channelGroups = options.groups ?? [];
      const names = [...channels, ...channelGroups];
      // The protocol keys heartbeat state by channel; one object for all is what a terminal user means.
      const state = options.state && Object.fromEntries(names.map((name): [string, PresenceState] => [name, options.state!]));
      const heartbeat = options.heartbeat ?? DEFAULT_PRESENCE_TIMEOUT;
      const interval = options.interval ?? heartbeat / 2 - 1;

      let announced = false;
      const print = (event: HeartbeatEvent) => {
        if (event.type === 'ok') {
          out.result({ type: 'ok', uuid: settings.userId, channels, channelGroups, timestamp: event.timestamp }, () => {
            if (announced) return `${clock(event.timestamp)} heartbeat ok`;
            announced = true;
            return `${clock(event.timestamp)} present on ${names.join(', ')} as ${settings.userId} (heartbeat ${heartbeat} s, every ${interval} s); Ctrl-C to leave`;
          });
        } else {
          const { timestamp, attempt, retryInMs, error } = event;
          out.result({ type: 'failed', timestamp, attempt, retryInMs, error: { category: error.category, message: error.message } }, () =>
            `${clock(timestamp)} heartbeat failed (attempt ${attempt}), retrying in ${retryInMs / 1000} s: ${error.message}`,
          );
        }
      };

      let subscription: Subscription | undefined;
      const failed = new Promise<never>((_, reject) => {
        subscription = presence
          .heartbeat$({ channels, channelGroups, heartbeat, interval, ...(state === undefined ? {} : { state }) })
          .subscribe({ next: print, error: reject });
      });
      try {
        await Promise.race([untilAborted(io.signal), failed]);
      } finally {
        // Ends the loop the way Ctrl-C should: the leave goes out and is waited for (bounded).
        await endHeartbeats(presence.context, LEAVE_WAIT_MS);
        subscription?.unsubscribe();
      }
      if (leave === undefined) {
        const last = lastRetry === undefined ? '' : ` (last try: ${shortReason(lastRetry)})`;
        throw new CommandFailedError(`leave not answered within ${LEAVE_WAIT_MS / 1000} s${last}; still present on ${names.join(', ')} until the presence timeout (${heartbeat} s)`);
      }
      if (leave.error !== undefined) {
        throw new CommandFailedError(`leave failed: ${oneLine(leave.error)}; still present on ${names.join(', ')} until the presence timeout (${heartbeat} s)`, { cause: leave.error });
      }
      out.result({ type: 'left', uuid: settings.userId, channels, channelGroups, timestamp: Date.now() }, () => `${clock(Date.now())} left ${names.join(', ')}`);
    });
}
