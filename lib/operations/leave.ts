import type { Observable } from 'rxjs';
import { LeaveBody } from '../codecs/bodies';
import type { KeysetChoice } from '../keyset';
import { groupQuery, paths } from '../protocol/paths';
import type { LeaveResult } from '../types';
import { targets } from '../validate';
import { callOperation, type PresenceContext } from './context';
import type { RequestTuning } from './heartbeat';

/**
 * Options of `presence.announceLeave()`.
 *
 * @example
 * ```ts
 * const options: AnnounceLeaveOptions = { channels: ['lobby'] };
 * ```
 */
export interface AnnounceLeaveOptions extends KeysetChoice {
  /** Channels to leave; at least one channel or group is required. */
  readonly channels?: Iterable<string>;
  /** Channel groups to leave (each of their channels). */
  readonly channelGroups?: Iterable<string>;
}

/** Announces that we left, at once. Cold; emits once. See `Presence.announceLeave`. */
export function announceLeave(context: PresenceContext, options: AnnounceLeaveOptions = {}, tuning: RequestTuning = {}): Observable<LeaveResult> {
  const operation = 'leave';
  return callOperation(
    context,
    operation,
    options,
    (keys) => {
      const target = targets(operation, options, true);
      return { query: groupQuery(target.channelGroups), path: paths.leave(keys.subscribeKey, target.channels), ...tuning };
    },
    LeaveBody,
    (): LeaveResult => ({ action: 'leave' }),
  );
}
