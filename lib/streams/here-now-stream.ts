import { catchError, defer, EMPTY, filter, from, identity, map, mergeMap, type Observable, retry, scan } from 'rxjs';
import { isRetryable, validationError } from '../errors';
import type { Keyset } from '../keyset';
import { checkStateInfo, hereNowWith, type HereNowOptions, type StateInfo } from '../operations/here-now';
import type { PresenceContext } from '../presence-context';
import { retryConfig } from '../retry-policy';
import type { ChannelOccupancy, HereNowResult } from '../types';
import { targets, type Targets } from '../validate';
import { keysetId } from './keyset-id';
import { requestBatches } from './request-batches';
import { SharedLoop, sharedMember } from './shared-loop';

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
export interface HereNowStreamOptions extends Pick<HereNowOptions, 'keyset' | 'using' | 'channels' | 'channelGroups' | 'stateInfo'> {
  /** Seconds between polls, at least 3 (the service's cache). Default 10. */
  readonly interval?: number;
}

/** A snapshot, and which channels it covered. */
interface CoveredSnapshot {
  readonly covered: ReadonlySet<string>;
  readonly result: HereNowResult;
}

/** A client's poll: one per keyset, state info and interval (channels only), or per identical request. */
export type PollLoop = SharedLoop<CoveredSnapshot>;

/**
 * Polled here-now snapshots. Subscriptions share polls: all channel-only `hereNow$` of a client,
 * keyset, state info and interval share one request carrying the union of their channels, each
 * seeing its own channels; subscriptions with groups (whose answer names member channels, not
 * groups) or global ones share a poll with identical subscriptions. A late subscriber gets the
 * latest snapshot at once; polling stops with the last subscriber. A failed poll is retried
 * with the client's policy and otherwise skipped: the stream never errors for a transient failure
 * and never emits a snapshot it did not receive (so no fake leaves). See `Presence.hereNow$`.
 *
 * @example
 * ```ts
 * import { hereNow$, Keyset, presenceContext } from 'rx-presence';
 *
 * const context = presenceContext({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'me' }) });
 * hereNow$(context, { channels: ['lobby'], interval: 5 }).subscribe((r) => console.log(r.totalOccupancy));
 * ```
 *
 * @param joined Told the key of the shared poll the subscription joins (`roster$` reads the
 * poll's health from the status board with it).
 */
export function hereNow$(context: PresenceContext, options: HereNowStreamOptions = {}, joined?: (pollKey: string) => void): Observable<HereNowResult> {
  const operation = 'hereNow';
  return defer(() => {
    const keyset = context.keysets.resolve(options, operation);
    const target = targets(operation, options, false);
    const stateInfo = checkStateInfo(operation, options.stateInfo);
    const interval = options.interval ?? 10;
    if (typeof interval !== 'number' || !(interval >= MIN_POLL_INTERVAL) || !Number.isFinite(interval)) {
      throw validationError(operation, `interval must be at least ${MIN_POLL_INTERVAL} s (the service caches here-now for 3 s), got ${String(interval)}`);
    }
    const { channels, channelGroups } = target;
    const union = channels.length > 0 && channelGroups.length === 0;
    // A union poll is keyed without its channels; an exact one by them (in any order: order does
    // not change the answer, so it must not split the poll).
    const key = JSON.stringify(union ? [keysetId(keyset), stateInfo, interval] : [keysetId(keyset), [...channels].sort(), [...channelGroups].sort(), stateInfo, interval]);
    joined?.(key);
    return sharedMember(
      context.loops.polls,
      key,
      (drop) => new SharedLoop<CoveredSnapshot>({ intervalMs: interval * 1000, replayLatest: true, onIdle: drop, round: (loop) => poll(context, keyset, stateInfo, union ? undefined : target, loop) }),
      (loop) =>
        // A union member only sees snapshots that covered its channels, cut down to them.
        union
          ? loop.member(target).pipe(
              filter(({ covered }) => channels.every((channel) => covered.has(channel))),
              map(({ result }) => project(result, channels)),
            )
          : loop.member(target).pipe(map(({ result }) => result)),
    );
  });
}

/**
 * One poll: of `exact` as it is, or of the union's channels in requests within the service's
 * limits (a snapshot only when all have answered). A transient failure is retried with the
 * client's policy, and then yields nothing (the next tick tries again) so that it can never look
 * like everyone left; a permanent one errors.
 */
function poll(context: PresenceContext, keyset: Keyset, stateInfo: StateInfo, exact: Targets | undefined, loop: PollLoop): Observable<CoveredSnapshot> {
  const { channels } = loop.held();
  if (exact === undefined && channels.length === 0) return EMPTY;
  const requests = exact === undefined ? requestBatches(channels, [], undefined) : [exact];
  const retrying = context.retry === undefined ? identity : retry<HereNowResult>(retryConfig(context.retry, (error) => loop.failed?.(error)));
  return from(requests).pipe(
    mergeMap((request) =>
      hereNowWith(context, { keyset, channels: request.channels, channelGroups: request.channelGroups, stateInfo }, { attempts: 1 }).pipe(
        retrying,
        catchError((error: unknown) => {
          if (!isRetryable(error)) throw error;
          loop.failed?.(error);
          return EMPTY;
        }),
      ),
    ),
    // A snapshot once every request has answered; a skipped one means no snapshot at all.
    scan((results: HereNowResult[], result) => [...results, result], []),
    filter((results) => results.length === requests.length),
    map((results): CoveredSnapshot => ({ covered: new Set(exact?.channels ?? channels), result: results.length === 1 ? results[0] : mergeResults(results) })),
  );
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
    const occupancy = result.channels.get(channel) ?? { channelName: channel, count: 0, uuids: new Map() };
    projected.set(channel, occupancy);
    totalOccupancy += occupancy.count;
  }
  return { totalChannels: projected.size, totalOccupancy, channels: projected };
}
