import { catchError, defer, EMPTY, exhaustMap, Observable, ReplaySubject, share, throwError, timer } from 'rxjs';
import { isRetryable, validationError } from '../errors';
import type { Keyset } from '../keyset';
import type { PresenceContext } from '../operations/context';
import { hereNow, StateInfo, type HereNowOptions } from '../operations/here-now';
import type { HereNowResult } from '../types';
import { targets } from '../validate';
import { keysetId } from './keyset-id';

/** The service caches here-now answers for 3 s: polling faster only returns the same answer. */
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

const pollsByContext = new WeakMap<PresenceContext, Map<string, Observable<HereNowResult>>>();
function pollKey(keyset: Keyset, channels: string[], channelGroups: string[], stateInfo: StateInfo, interval: number): string {
  // Order does not change the answer, so it must not split the poll.
  return JSON.stringify([keysetId(keyset), [...channels].sort(), [...channelGroups].sort(), stateInfo, interval]);
}

/**
 * Polled here-now snapshots. One poll per identical request is shared by all subscribers; a
 * late subscriber gets the latest snapshot at once; the poll stops with the last subscriber. A
 * failed poll is retried by the transport and otherwise skipped: the stream never errors for a
 * transient failure and never emits a snapshot it did not receive (so no fake leaves).
 * See `Presence.hereNow$`.
 */
export function hereNow$(context: PresenceContext, options: HereNowStreamOptions = {}): Observable<HereNowResult> {
  const operation = 'hereNow';
  return defer(() => {
    const keyset = context.keysets.resolve(options, operation);
    const { channels, channelGroups } = targets(operation, options, false);
    const stateInfo = options.stateInfo ?? StateInfo.onlyUUIDs;
    const interval = options.interval ?? 10;
    if (typeof interval !== 'number' || !(interval >= MIN_POLL_INTERVAL) || !Number.isFinite(interval)) {
      throw validationError(operation, `interval must be at least ${MIN_POLL_INTERVAL} s (the service caches here-now for 3 s), got ${String(interval)}`);
    }
    const polls = pollsByContext.get(context) ?? new Map<string, Observable<HereNowResult>>();
    pollsByContext.set(context, polls);
    const key = pollKey(keyset, channels, channelGroups, stateInfo, interval);
    let poll$ = polls.get(key);
    if (poll$ === undefined) {
      poll$ = timer(0, interval * 1000).pipe(
        exhaustMap(() =>
          hereNow(context, { keyset, channels, channelGroups, stateInfo }).pipe(
            // Transient: skip this tick, the next one tries again. Permanent: the caller must know.
            catchError((error: unknown) => (isRetryable(error) ? EMPTY : throwError(() => error))),
          ),
        ),
        share({ connector: () => new ReplaySubject<HereNowResult>(1), resetOnError: true, resetOnComplete: true, resetOnRefCountZero: true }),
      );
      polls.set(key, poll$);
    }
    return poll$;
  });
}
