import { defer, exhaustMap, type Observable, ReplaySubject, share, timer } from 'rxjs';
import { validationError } from '../errors';
import type { KeysetChoice } from '../keyset';
import type { PresenceContext } from '../operations/context';
import { StateInfo } from '../operations/here-now';
import type { HereNowResult } from '../types';
import { targets } from '../validate';
import { HereNowHub, pollOnce } from './here-now-hub';
import { keysetId } from './keyset-id';

/**
 * The shortest `interval` of `hereNow$`, in seconds. The service caches here-now answers for 3 s,
 * so polling faster would only return the same answer.
 *
 * @example
 * ```ts
 * import { MIN_POLL_INTERVAL } from 'rx-presence';
 *
 * const interval = Math.max(MIN_POLL_INTERVAL, Number(process.env.POLL_SECONDS ?? 10));
 * ```
 */
export const MIN_POLL_INTERVAL = 3;

/**
 * Options of `presence.hereNow$()`. Times are in seconds.
 *
 * @example
 * ```ts
 * const options: HereNowStreamOptions = { channels: ['lobby'], stateInfo: StateInfo.all, interval: 5 };
 * ```
 */
export interface HereNowStreamOptions extends KeysetChoice {
  /** Channels to watch. With no channels and no groups, the whole keyset. */
  readonly channels?: Iterable<string>;
  /** Channel groups to watch (their member channels are reported). */
  readonly channelGroups?: Iterable<string>;
  /** Default {@link StateInfo.onlyUUIDs}. */
  readonly stateInfo?: StateInfo;
  /** Seconds between polls, at least 3 (the service's cache). Default 10. */
  readonly interval?: number;
}

const STATE_INFOS: readonly string[] = Object.values(StateInfo);

interface Polls {
  /** Channel-only subscriptions: one union poll per keyset, state info and interval. */
  readonly hubs: Map<string, HereNowHub>;
  /** Subscriptions with groups, or global: one poll per identical request. */
  readonly exact: Map<string, Observable<HereNowResult>>;
}
const pollsByContext = new WeakMap<PresenceContext, Polls>();

function pollsOf(context: PresenceContext): Polls {
  let polls = pollsByContext.get(context);
  if (polls === undefined) pollsByContext.set(context, (polls = { hubs: new Map(), exact: new Map() }));
  return polls;
}

/**
 * Polled here-now snapshots. Subscriptions share polls: all channel-only `hereNow$` of a client,
 * keyset, state info and interval share one request carrying the union of their channels, each
 * seeing its own channels; subscriptions with groups (whose answer names member channels, not
 * groups) or global ones share a poll with identical subscriptions. A late subscriber gets the
 * latest snapshot at once; polling stops with the last subscriber. A failed poll is retried by
 * the transport and otherwise skipped: the stream never errors for a transient failure and never
 * emits a snapshot it did not receive (so no fake leaves). See `Presence.hereNow$`.
 */
export function hereNow$(context: PresenceContext, options: HereNowStreamOptions = {}): Observable<HereNowResult> {
  const operation = 'hereNow';
  return defer(() => {
    const keyset = context.keysets.resolve(options, operation);
    const { channels, channelGroups } = targets(operation, options, false);
    const stateInfo = options.stateInfo ?? StateInfo.onlyUUIDs;
    if (!STATE_INFOS.includes(stateInfo)) throw validationError(operation, `stateInfo must be one of ${STATE_INFOS.join(', ')}, got ${String(stateInfo)}`);
    const interval = options.interval ?? 10;
    if (typeof interval !== 'number' || !(interval >= MIN_POLL_INTERVAL) || !Number.isFinite(interval)) {
      throw validationError(operation, `interval must be at least ${MIN_POLL_INTERVAL} s (the service caches here-now for 3 s), got ${String(interval)}`);
    }
    const polls = pollsOf(context);

    if (channels.length > 0 && channelGroups.length === 0) {
      const key = JSON.stringify([keysetId(keyset), stateInfo, interval]);
      let hub = polls.hubs.get(key);
      if (hub === undefined) polls.hubs.set(key, (hub = new HereNowHub(context, keyset, stateInfo, interval * 1000)));
      return hub.watch(channels);
    }

    // Order does not change the answer, so it must not split the poll.
    const key = JSON.stringify([keysetId(keyset), [...channels].sort(), [...channelGroups].sort(), stateInfo, interval]);
    let poll$ = polls.exact.get(key);
    if (poll$ === undefined) {
      poll$ = timer(0, interval * 1000).pipe(
        exhaustMap(() => pollOnce(context, { keyset, channels, channelGroups, stateInfo })),
        share({ connector: () => new ReplaySubject<HereNowResult>(1), resetOnError: true, resetOnComplete: true, resetOnRefCountZero: true }),
      );
      polls.exact.set(key, poll$);
    }
    return poll$;
  });
}
