/**
 * The heartbeat loop: a {@link SharedLoop} whose round is a heartbeat over the union and whose
 * releases are leaves. This is the piece PubNub's own SDKs got wrong repeatedly (leaves for
 * channels another subscription still used, heartbeats not aggregated).
 */
import { asyncScheduler, defer, filter, from, identity, map, mergeMap, Observable, of, retry, scan } from 'rxjs';
import type { PresenceError } from '../errors';
import type { Keyset } from '../keyset';
import { announceHeartbeat } from '../operations/heartbeat';
import { announceLeave } from '../operations/leave';
import type { PresenceContext } from '../presence-context';
import { retryConfig } from '../retry-policy';
import type { PresenceState } from '../types';
import { pickState, requestBatches, type RequestBatch } from './request-batches';
import { SharedLoop, type Claim } from './shared-loop';

/** Tries for one leave. */
const LEAVE_ATTEMPTS = 6;
/** The longest a single heartbeat may take. */
const MAX_HEARTBEAT_WAIT_MS = 15_000;

/** One `heartbeat$` subscription's claim on channels and groups. */
export interface Membership extends Claim {
  /** Changes when the member's `state$` emits; read at every heartbeat. */
  state?: Readonly<Record<string, PresenceState>>;
}

/** What the loop emits for the union; each member adds its own channels and groups. */
type LoopEvent =
  | { readonly type: 'ok'; readonly timestamp: number }
  | { readonly type: 'failed'; readonly timestamp: number; readonly error: PresenceError; readonly attempt: number; readonly retryInMs: number };

/** Timing of one loop; every member of a loop shares it. */
interface HeartbeatTiming {
  /** Presence timeout sent as `heartbeat`, seconds. */
  readonly heartbeat: number;
  /** Cadence, milliseconds. */
  readonly intervalMs: number;
  /** First retry delay after a transient failure, doubling up to `intervalMs`. */
  readonly retryBaseMs: number;
  /** Leave request timeout, milliseconds. */
  readonly leaveTimeoutMs: number;
}

/** A client's heartbeat loop for one keyset and timing. */
export type HeartbeatLoop = SharedLoop<LoopEvent, Membership>;

/**
 * The heartbeat loop of a keyset and timing. Each beat carries the union, split into requests
 * within the service's limits (see {@link requestBatches}), so that merging never makes a valid
 * member fail; a leave goes out, in batches too, only for names no member holds any more.
 */
export function heartbeatLoop(context: PresenceContext, keyset: Keyset, timing: HeartbeatTiming, onIdle?: () => void): HeartbeatLoop {
  const now = () => asyncScheduler.now();
  // A heartbeat answered later than the next one is due is worth nothing: give up by then.
  const beatTuning = { attempts: 1, timeoutMs: Math.min(timing.intervalMs, MAX_HEARTBEAT_WAIT_MS) };
  // Transient failures are retried until the next beat would be due; permanent ones end the loop.
  const beatBackoff = { baseDelayMs: timing.retryBaseMs, maxDelayMs: timing.intervalMs, jitter: false, honorRetryAfter: false };
  // Retried for a few seconds with the client's backoff (250 ms doubling by default), so that a
  // leave sent into a short outage still lands once the service answers again.
  const leaveRetry = context.retry === undefined ? identity : retry<unknown>(retryConfig({ ...context.retry, attempts: LEAVE_ATTEMPTS }));

  /**
   * One batch's heartbeat, retried with backoff while its failures are transient, each failure
   * reported before its wait; a retry leaves out names released meanwhile and sends the state as
   * it is now.
   */
  const beatBatch = (loop: HeartbeatLoop, batch: RequestBatch, report: (event: LoopEvent) => void): Observable<unknown> =>
    defer(() => {
      const channels = batch.channels.filter((name) => loop.holds(name));
      const channelGroups = batch.channelGroups.filter((name) => loop.holds(name, true));
      if (channels.length === 0 && channelGroups.length === 0) return of(undefined);
      const state = pickState(unionState(loop), [...channels, ...channelGroups]);
      return announceHeartbeat(context, { keyset, channels, channelGroups, heartbeat: timing.heartbeat, ...(state === undefined ? {} : { state }) }, beatTuning);
    }).pipe(
      retry(
        retryConfig(beatBackoff, (error, attempt, retryInMs) => report({ type: 'failed', timestamp: now(), error, attempt, retryInMs })),
      ),
    );

  return new SharedLoop<LoopEvent, Membership>({
    intervalMs: timing.intervalMs,
    onIdle,
    // One heartbeat for the union: one request per batch; `ok` once every batch has answered.
    round: (loop) =>
      new Observable<LoopEvent>((subscriber) => {
        const { channels, channelGroups } = loop.held();
        const batches = requestBatches(channels, channelGroups, unionState(loop));
        if (batches.length === 0) return subscriber.complete();
        return from(batches)
          .pipe(
            mergeMap((batch) => beatBatch(loop, batch, (event) => subscriber.next(event))),
            scan((answered) => answered + 1, 0),
            filter((answered) => answered === batches.length),
            map((): LoopEvent => ({ type: 'ok', timestamp: now() })),
          )
          .subscribe(subscriber);
      }),
    // Not tied to any subscriber: the ones that released the names are already gone.
    release: (names) =>
      from(requestBatches(names.channels, names.channelGroups, undefined)).pipe(
        mergeMap((batch) =>
          announceLeave(context, { keyset, ...batch }, { attempts: 1, timeoutMs: timing.leaveTimeoutMs }).pipe(leaveRetry),
        ),
      ),
  });
}

/** Every member's state merged, keyed by channel or group. */
function unionState(loop: HeartbeatLoop): Record<string, PresenceState> | undefined {
  let state: Record<string, PresenceState> | undefined;
  for (const member of loop.claims()) {
    if (member.state !== undefined) state = { ...state, ...member.state };
  }
  return state;
}
