import type { Observable } from 'rxjs';
import { LeaveBody } from '../codecs/bodies';
import type { KeysetChoice } from '../keyset';
import { paths } from '../protocol/paths';
import type { LeaveResult } from '../types';
import { callOnTargets, type OperationContext, type RequestTuning } from './context';

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
export function announceLeave(context: OperationContext, options: AnnounceLeaveOptions = {}, tuning: RequestTuning = {}): Observable<LeaveResult> {
  return callOnTargets(context, 'leave', options, (keys, target) => ({ path: paths.leave(keys.subscribeKey, target.channels), ...tuning }), LeaveBody, (): LeaveResult => ({ action: 'leave' }));
}
