import { defer, isObservable, map, Observable } from 'rxjs';
import { validationError } from '../errors';
import type { KeysetChoice } from '../keyset';
import { DEFAULT_PRESENCE_TIMEOUT } from '../protocol/limits';
import type { PresenceContext } from '../presence-context';
import type { PresenceState } from '../types';
import { HEARTBEAT_RANGE, heartbeatSeconds, perChannelStateJson, secondsIn, targets } from '../validate';
import type { HeartbeatEvent } from './heartbeat-events';
import { heartbeatLoop, type Membership } from './heartbeat-loop';
import { keysetId } from './keyset-id';
import { sharedMember } from './shared-loop';

/**
 * Options of `presence.heartbeat$()`. Times are in seconds, as in the protocol.
 *
 * @example
 * ```ts
 * const options: HeartbeatStreamOptions = { channels: ['lobby'], heartbeat: 60, state: { lobby: { mood: 'ok' } } };
 * ```
 */
export interface HeartbeatStreamOptions extends KeysetChoice {
  /** Channels to stay present on; at least one channel or group is required. */
  readonly channels?: Iterable<string>;
  /** Channel groups to stay present on (on each of their channels). */
  readonly channelGroups?: Iterable<string>;
  /** Presence timeout, 1 to 320 s: how long the service keeps us after the last heartbeat. Default 300. */
  readonly heartbeat?: number;
  /**
   * Seconds between heartbeats, from {@link MIN_HEARTBEAT_INTERVAL} (0.5) to less than
   * `heartbeat`. Default `heartbeat / 2 - 1` (149 for 300), as PubNub's SDKs, but at least
   * `heartbeat / 4` and 0.5.
   */
  readonly interval?: number;
  /**
   * State per channel or group, sent with every heartbeat so the service keeps it. An Observable
   * of it changes the state while present: each emission is announced at once.
   */
  readonly state?: Readonly<Record<string, PresenceState>> | Observable<Readonly<Record<string, PresenceState>>>;
  /** First retry delay after a transient failure, doubling up to `interval`: 0.1 to 320 s. Default 1 s. */
  readonly retryDelay?: number;
  /** How long the leave at the end may take: 0.1 to 60 s. Default 5 s. */
  readonly leaveTimeout?: number;
}

/**
 * The shortest `interval` of `heartbeat$`, in seconds. PubNub's SDKs have no floor of their own
 * (they derive the interval from the presence timeout, once raised to at least 20 s); this one
 * keeps two beats within the shortest presence timeout (1 s) while capping a loop at two requests
 * a second.
 *
 * @example
 * ```ts
 * import { MIN_HEARTBEAT_INTERVAL } from 'rx-presence';
 *
 * console.log(MIN_HEARTBEAT_INTERVAL);
 * // Output: 0.5
 * ```
 */
export const MIN_HEARTBEAT_INTERVAL = 0.5;
/** The range of `retryDelay`, in seconds. */
const RETRY_DELAY_RANGE = { min: 0.1, max: HEARTBEAT_RANGE.max } as const;
/** The range of `leaveTimeout`, in seconds. */
const LEAVE_TIMEOUT_RANGE = { min: 0.1, max: 60 } as const;

/**
 * Stays present on channels and groups until unsubscribed, then leaves: **cancel means leave**.
 * See `Presence.heartbeat$`.
 *
 * @example
 * ```ts
 * import { heartbeat$, Keyset, presenceContext } from 'rx-presence';
 *
 * const context = presenceContext({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'me' }) });
 * const present = heartbeat$(context, { channels: ['lobby'] }).subscribe();
 * present.unsubscribe(); // leaves 'lobby'
 * ```
 */
export function heartbeat$(context: PresenceContext, options: HeartbeatStreamOptions = {}): Observable<HeartbeatEvent> {
  const operation = 'heartbeat';
  return defer(() => {
    const keyset = context.keysets.resolve(options, operation);
    const target = targets(operation, options, true);
    const heartbeat = heartbeatSeconds(operation, options.heartbeat ?? DEFAULT_PRESENCE_TIMEOUT);
    // PubNub's rule, kept at the floor for the shortest timeouts (1 and 2 s).
    const interval = options.interval ?? Math.max(heartbeat / 2 - 1, heartbeat / 4, MIN_HEARTBEAT_INTERVAL);
    if (typeof interval !== 'number' || !(interval >= MIN_HEARTBEAT_INTERVAL) || !(interval < heartbeat)) {
      throw validationError(operation, `interval must be from ${MIN_HEARTBEAT_INTERVAL} s to less than heartbeat (${heartbeat} s), got ${String(interval)}`);
    }
    const state$ = isObservable(options.state) ? options.state : undefined;
    const fixedState = isObservable(options.state) ? undefined : options.state;
    if (fixedState !== undefined) perChannelStateJson(operation, fixedState, target);
    const retryDelay = secondsIn(operation, 'retryDelay', options.retryDelay ?? 1, RETRY_DELAY_RANGE.min, RETRY_DELAY_RANGE.max);
    const leaveTimeout = secondsIn(operation, 'leaveTimeout', options.leaveTimeout ?? 5, LEAVE_TIMEOUT_RANGE.min, LEAVE_TIMEOUT_RANGE.max);
    const scope = { channels: target.channels, channelGroups: target.channelGroups };
    const member: Membership = { ...scope, ...(fixedState === undefined ? {} : { state: fixedState }) };
    const timing = { heartbeat, intervalMs: interval * 1000, retryBaseMs: retryDelay * 1000, leaveTimeoutMs: leaveTimeout * 1000 };

    return sharedMember(
      context.loops.heartbeats,
      `${keysetId(keyset)}|${heartbeat}|${interval}|${retryDelay}|${leaveTimeout}`,
      (drop) => heartbeatLoop(context, keyset, timing, drop),
      (loop) =>
        new Observable<HeartbeatEvent>((subscriber) => {
          let claimed = false;
          const states = state$?.subscribe({
            next: (state) => {
              try {
                perChannelStateJson(operation, state, target);
              } catch (error) {
                subscriber.error(error);
                return;
              }
              member.state = state;
              // A state known before the claim rides on the claim's own immediate heartbeat.
              if (claimed) loop.restart();
            },
            error: (error: unknown) => subscriber.error(error),
          });
          if (subscriber.closed) return states;
          const events = loop
            .member(member)
            .pipe(map((event): HeartbeatEvent => ({ ...event, ...scope })))
            .subscribe(subscriber);
          claimed = true;
          return () => {
            states?.unsubscribe();
            events.unsubscribe();
          };
        }),
    );
  });
}
