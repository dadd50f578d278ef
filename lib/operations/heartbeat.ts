import type { Observable } from 'rxjs';
import { HeartbeatBody } from '../codecs/bodies';
import type { KeysetChoice } from '../keyset';
import { DEFAULT_PRESENCE_TIMEOUT } from '../protocol/limits';
import { paths } from '../protocol/paths';
import type { HeartbeatResult, PresenceState } from '../types';
import { heartbeatSeconds, perChannelStateJson } from '../validate';
import { callOnTargets, type OperationContext, type RequestTuning } from './context';

/**
 * Options of `presence.announceHeartbeat()`.
 *
 * @example
 * ```ts
 * const options: AnnounceHeartbeatOptions = { channels: ['lobby'], heartbeat: 60, state: { lobby: { mood: 'ok' } } };
 * ```
 */
export interface AnnounceHeartbeatOptions extends KeysetChoice {
  /** Channels to announce presence on; at least one channel or group is required. */
  readonly channels?: Iterable<string>;
  /** Channel groups to announce presence on (on each of their channels). */
  readonly channelGroups?: Iterable<string>;
  /** Presence timeout in seconds (1 to 320): how long the service keeps us without another heartbeat. Default 300. */
  readonly heartbeat?: number;
  /** State per channel or group name, kept by the service while we are present. */
  readonly state?: Readonly<Record<string, PresenceState>>;
}

/** Announces presence once. Cold; emits once. See `Presence.announceHeartbeat`. */
export function announceHeartbeat(
  context: OperationContext,
  options: AnnounceHeartbeatOptions = {},
  tuning: RequestTuning = {},
): Observable<HeartbeatResult> {
  const operation = 'heartbeat';
  return callOnTargets(
    context,
    operation,
    options,
    (keys, target) => {
      const query: Record<string, string> = { heartbeat: String(heartbeatSeconds(operation, options.heartbeat ?? DEFAULT_PRESENCE_TIMEOUT)) };
      if (options.state !== undefined) query.state = perChannelStateJson(operation, options.state, target);
      return { query, path: paths.heartbeat(keys.subscribeKey, target.channels), ...tuning };
    },
    HeartbeatBody,
    (body) => ({ status: body.status, message: body.message }),
  );
}
