import {
  BehaviorSubject,
  catchError,
  defer,
  EMPTY,
  exhaustMap,
  filter,
  forkJoin,
  map,
  Observable,
  ReplaySubject,
  share,
  switchMap,
  throwError,
  timer,
} from 'rxjs';
import { isRetryable } from '../errors';
import type { Keyset } from '../keyset';
import type { PresenceContext } from '../operations/context';
import { hereNow, type StateInfo } from '../operations/here-now';
import type { ChannelOccupancy, HereNowResult } from '../types';
import { RefCounts } from './ref-counts';
import { requestBatches } from './request-batches';

/**
 * One here-now, with a failed poll skipped: a transient failure yields nothing (the next tick
 * tries again) so that it can never look like everyone left; a permanent one errors.
 */
export function pollOnce(
  context: PresenceContext,
  options: { keyset: Keyset; channels: readonly string[]; channelGroups: readonly string[]; stateInfo: StateInfo },
): Observable<HereNowResult> {
  return hereNow(context, options).pipe(catchError((error: unknown) => (isRetryable(error) ? EMPTY : throwError(() => error))));
}

/** A snapshot of the union, and which channels it covered. */
interface CoveredSnapshot {
  readonly covered: ReadonlySet<string>;
  readonly result: HereNowResult;
}

const emptyChannel = (channelName: string): ChannelOccupancy => ({ channelName, count: 0, uuids: new Map() });

/**
 * One here-now poll shared by every channel-only `hereNow$` of a client, keyset, state info and
 * interval: the request carries the union of their channels (ref-counted) and each subscriber
 * sees its own channels cut out of the answer. A subscriber that brings a new channel triggers
 * a poll at once, and only sees snapshots that covered all of its channels.
 */
export class HereNowHub {
  readonly #channels = new RefCounts();
  readonly #grown = new BehaviorSubject<void>(undefined);
  readonly #snapshots$: Observable<CoveredSnapshot>;

  constructor(context: PresenceContext, keyset: Keyset, stateInfo: StateInfo, intervalMs: number) {
    this.#snapshots$ = this.#grown.pipe(
      switchMap(() =>
        timer(0, intervalMs).pipe(
          exhaustMap(() =>
            defer(() => {
              const channels = this.#channels.names();
              if (channels.length === 0) return EMPTY;
              // One request per batch within the service's limits; a snapshot only when all answered.
              const polls = requestBatches(channels, [], undefined).map((batch) => pollOnce(context, { keyset, channels: batch.channels, channelGroups: [], stateInfo }));
              return (polls.length === 1 ? polls[0] : forkJoin(polls).pipe(map(mergeResults))).pipe(
                map((result): CoveredSnapshot => ({ covered: new Set(channels), result })),
              );
            }),
          ),
        ),
      ),
      share({ connector: () => new ReplaySubject<CoveredSnapshot>(1), resetOnError: true, resetOnComplete: true, resetOnRefCountZero: true }),
    );
  }

  /** Snapshots for `channels`, polled with everyone else's. Holds the channels while subscribed. */
  watch(channels: readonly string[]): Observable<HereNowResult> {
    return new Observable<HereNowResult>((subscriber) => {
      // Listen first, then claim: the claim restarts the shared loop with an immediate poll.
      const subscription = this.#snapshots$
        .pipe(
          filter(({ covered }) => channels.every((channel) => covered.has(channel))),
          map(({ result }) => project(result, channels)),
        )
        .subscribe(subscriber);
      if (this.#channels.add(channels).length > 0) this.#grown.next();
      return () => {
        subscription.unsubscribe();
        this.#channels.remove(channels);
      };
    });
  }
}

/** The answers of several batches as one. */
function mergeResults(results: readonly HereNowResult[]): HereNowResult {
  const channels = new Map<string, ChannelOccupancy>();
  let totalOccupancy = 0;
  for (const result of results) {
    for (const [name, occupancy] of result.channels) channels.set(name, occupancy);
    totalOccupancy += result.totalOccupancy;
  }
  return { totalChannels: channels.size, totalOccupancy, channels };
}

/** The part of a union answer about `channels`; a channel the answer omits is empty. */
function project(result: HereNowResult, channels: readonly string[]): HereNowResult {
  const projected = new Map<string, ChannelOccupancy>();
  let totalOccupancy = 0;
  for (const channel of channels) {
    const occupancy = result.channels.get(channel) ?? emptyChannel(channel);
    projected.set(channel, occupancy);
    totalOccupancy += occupancy.count;
  }
  return { totalChannels: projected.size, totalOccupancy, channels: projected };
}
