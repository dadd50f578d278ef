import { Command } from 'commander';
import { distinctUntilChanged, EMPTY, filter, groupBy, ignoreElements, lastValueFrom, map, merge, mergeMap, pairwise, ReplaySubject, share, startWith, takeUntil, tap, type Observable } from 'rxjs';
import { events$, MIN_POLL_INTERVAL, roster$ as roster$Of, StateInfo, type PresenceContext, type PresenceEvent, type Roster, type StreamStatus, type SubscribeSource } from '../../index';
import { UsageError } from '../errors';
import { clock, stateText } from '../format';
import { invocation, once, shortReason } from '../invocation';
import { aborted, type CliIo } from '../io';
import { nameList, seconds } from '../parse';

/**
 * Default seconds between polls (`--poll`): livelier than the library's 10 for someone watching a terminal.
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
 * A change of a stream's health worth a line: a failure it will retry, and its recovery. The
 * first answer is not news, and a final failure ends the command with its own error line.
 *
 * @example
 * ```ts
 * statusLine(live, { ...live, state: 'retrying', attempt: 1, error }); // 'reconnecting (attempt 2): network failure, ECONNREFUSED'
 * ```
 */
export function statusLine(before: StreamStatus, now: StreamStatus): string | undefined {
  if (now.state === 'retrying') return `reconnecting (attempt ${now.attempt + 1}): ${shortReason(now.error)}`;
  if (now.state === 'live' && before.state === 'retrying') return 'reconnected';
  return undefined;
}

/** Each stream's health changes on the client's status board, as {@link statusLine}s. */
function statusLines(status$: Observable<readonly StreamStatus[]>): Observable<string> {
  return status$.pipe(
    mergeMap((streams) => streams),
    groupBy((stream) => stream.id),
    mergeMap((stream$) =>
      stream$.pipe(
        distinctUntilChanged((a, b) => a.state === b.state && a.attempt === b.attempt),
        pairwise(),
        map(([before, now]) => statusLine(before, now)),
        filter((line): line is string => line !== undefined),
      ),
    ),
  );
}

/**
 * The channels of `roster` that changed since `before` (all of them at first), one line each:
 * `14:03:27  here now       lobby  alice, bob (2)`. A roster shares every channel a change did
 * not touch, so a changed channel is a different object.
 *
 * @example
 * ```ts
 * rosterLines(undefined, roster); // ['14:03:27  here now       lobby  alice (1)']
 * ```
 */
export function rosterLines(before: Roster | undefined, roster: Roster): string[] {
  const lines: string[] = [];
  for (const [name, channel] of roster.channels) {
    if (before?.channels.get(name) === channel) continue;
    const who = channel.occupancy === 0 ? 'nobody' : `${[...channel.members.keys()].join(', ')} (${channel.occupancy})`;
    lines.push(`${clock(Date.now())}  ${'here now'.padEnd(12)}  ${name}  ${who}`);
  }
  return lines;
}

/**
 * One real-time stream serving both the event lines and `roster$` (as its subscribe source), so
 * that watching costs one long-poll, not two. The roster learns the stream's status-board id as
 * `events$` gives it, whichever subscribes first.
 */
function sharedEvents(context: PresenceContext, channels: string[], channelGroups: string[]): { events$: Observable<PresenceEvent>; source: SubscribeSource } {
  const ids = new ReplaySubject<string>(1);
  const shared$ = events$(context, { channels, channelGroups }, (id) => ids.next(id)).pipe(share());
  return {
    events$: shared$,
    source: (_context, _options, joined) => {
      if (joined !== undefined) ids.subscribe(joined);
      return shared$;
    },
  };
}

interface WatchOptions {
  readonly groups?: string[];
  readonly poll?: boolean;
  readonly interval?: number;
}

/**
 * `rx-presence watch [channels…] [--groups …] [--poll [--interval N]]`: presence events until
 * Ctrl-C. By default in real time (`events$`, the service's own events over the subscribe
 * long-poll: immediate, and a `timeout` is told from a `leave`); with `--poll`, diffs of here-now
 * polls (`presenceEvents$`), where both arrive as `leave`. Everyone already present arrives first,
 * as a join. Watching every channel of the keyset (no channels, no groups) can only poll. Health
 * changes go to stderr, as the retries of one-shot calls do: `rx-presence: watch: reconnecting
 * (attempt 2): network failure, ECONNREFUSED`, then `reconnected`. After each change, a `here now`
 * line per changed channel says who is there (`roster$`; not in `--json`, which is events only).
 *
 * @example
 * ```ts
 * // $ rx-presence --origin http://127.0.0.1:8090 --sub-key demo watch lobby
 * // watching lobby (real-time events); Ctrl-C to stop
 * // 14:03:27  join          lobby  alice  1 here
 * // 14:03:27  here now      lobby  alice (1)
 * program.addCommand(watchCommand(io));
 * ```
 */
export function watchCommand(io: CliIo): Command {
  return new Command('watch')
    .summary('print join / leave / timeout / state-change events until Ctrl-C (real time; --poll to poll)')
    .argument('[channels...]', 'channels to watch (none and no groups: every channel of the keyset, by polling)')
    .option('--groups <groups...>', 'channel groups to watch too', nameList)
    .option('--poll', 'poll here-now instead of real-time events (cannot tell a timeout from a leave)')
    .option('--interval <seconds>', `with --poll: seconds between polls, at least ${MIN_POLL_INTERVAL} (default ${WATCH_INTERVAL})`, seconds(MIN_POLL_INTERVAL))
    .action(async (channels: string[], options: WatchOptions, command: Command) => {
      const { presence, out, progress } = invocation(command, io);
      if (options.interval !== undefined && options.poll !== true) throw new UsageError('--interval is the polling interval: give --poll too');
      const channelGroups = options.groups ?? [];
      const names = [...channels, ...channelGroups];
      // Real-time events are per channel: the whole keyset can only be polled.
      const poll = options.poll === true || names.length === 0;
      const interval = options.interval ?? WATCH_INTERVAL;
      // The streams retry failures forever (right for an app, silent for a terminal): one plain
      // here-now first makes a wrong origin or key fail at once, with its reason.
      await once(presence.hereNow({ channels, channelGroups, stateInfo: StateInfo.none }), io.signal);
      out.note(`watching ${names.length === 0 ? 'every channel' : names.join(', ')} ${poll ? `every ${interval} s (polling)` : '(real-time events)'}; Ctrl-C to stop`);
      // Polling: events and roster share one poll (same keyset, channels, interval, state info).
      const live = poll ? undefined : sharedEvents(presence.context, channels, channelGroups);
      const events$ = live?.events$ ?? presence.presenceEvents$({ channels, channelGroups, interval, stateInfo: StateInfo.all });
      // Who is there, per channel, after each change (the whole keyset has no roster: it is per channel).
      const rosterNotes$ =
        out.json || names.length === 0
          ? EMPTY
          : (live === undefined
              ? presence.roster$({ channels, channelGroups, interval, stateInfo: StateInfo.all })
              : roster$Of(presence.context, { channels, channelGroups, source: 'subscribe' }, live.source)
            ).pipe(
              startWith(undefined),
              pairwise(),
              tap(([before, roster]) => out.note(rosterLines(before, roster!))),
              ignoreElements(),
            );
      const health$ = statusLines(presence.status$).pipe(tap(progress), ignoreElements());
      await lastValueFrom(
        merge(events$.pipe(tap((event) => out.result(event, () => eventLine(event)))), rosterNotes$, health$).pipe(takeUntil(aborted(io.signal))),
        { defaultValue: undefined },
      );
    });
}
