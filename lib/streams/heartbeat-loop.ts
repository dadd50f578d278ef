import {
  asapScheduler,
  asyncScheduler,
  BehaviorSubject,
  catchError,
  concat,
  defer,
  EMPTY,
  exhaustMap,
  filter,
  map,
  merge,
  type Observable,
  of,
  retry,
  share,
  Subject,
  takeUntil,
  switchMap,
  throwError,
  timer,
  type Subscription,
} from 'rxjs';
import { isRetryable, type PresenceError } from '../errors';
import type { Keyset } from '../keyset';
import type { PresenceContext } from '../operations/context';
import { announceHeartbeat } from '../operations/heartbeat';
import { announceLeave } from '../operations/leave';
import type { PresenceState } from '../types';
import { RefCounts } from './ref-counts';
import { requestBatches, type RequestBatch } from './request-batches';

/** Tries for one leave. */
const LEAVE_ATTEMPTS = 6;
/** The longest a single heartbeat may take. */
const MAX_HEARTBEAT_WAIT_MS = 15_000;

/** One `heartbeat$` subscription's claim on channels and groups. */
export interface Membership {
  readonly channels: readonly string[];
  readonly channelGroups: readonly string[];
  /** Changes when the member's `state$` emits; read at every heartbeat. */
  state?: Readonly<Record<string, PresenceState>>;
}

/** The union every request carries, as the loop emits it. */
export type HubEvent =
  | { readonly type: 'ok'; readonly timestamp: number }
  | { readonly type: 'failed'; readonly timestamp: number; readonly error: PresenceError; readonly attempt: number; readonly retryInMs: number };

/** Timing of one hub; every member of a hub shares it. */
export interface HubTiming {
  /** Presence timeout sent as `heartbeat`, seconds. */
  readonly heartbeat: number;
  /** Cadence, milliseconds. */
  readonly intervalMs: number;
  /** First retry delay after a transient failure, doubling up to `intervalMs`. */
  readonly retryBaseMs: number;
  /** Leave request timeout, milliseconds. */
  readonly leaveTimeoutMs: number;
}

/**
 * One heartbeat loop shared by every `heartbeat$` of a client, keyset and timing. Members claim
 * channels with ref counts; each beat carries the union, split into requests within the service's
 * limits (so merging never makes a valid member fail); a leave goes out, in batches too, only for
 * what no member holds any more. This is the piece PubNub's own SDKs got wrong repeatedly (leaves for
 * channels another subscription still used, heartbeats not aggregated).
 */
export class HeartbeatHub {
  readonly #channels = new RefCounts();
  readonly #groups = new RefCounts();
  readonly #members = new Set<Membership>();
  // Emits whenever the union gains a name: the loop restarts with an immediate heartbeat so the
  // new channel is announced at once. Losing names does not restart it, so that components
  // mounting and unmounting cannot starve the cadence.
  readonly #grown = new BehaviorSubject<void>(undefined);
  // Completes every member's stream at once (process exit): their teardowns send the leave.
  readonly #end = new Subject<void>();
  readonly #leaving = { channels: new Set<string>(), channelGroups: new Set<string>() };
  #leaveScheduled = false;
  // Scheduled and in-flight leaves, so that `leaveOnExit` can wait for them.
  readonly #pendingLeaves = new Set<Subscription>();
  readonly #leavesSettled = new Set<() => void>();
  /** The shared loop; subscribers get the union's events. */
  readonly events$: Observable<HubEvent>;

  constructor(
    private readonly context: PresenceContext,
    private readonly keyset: Keyset,
    private readonly timing: HubTiming,
  ) {
    this.events$ = this.#grown.pipe(
      switchMap(() => timer(0, timing.intervalMs).pipe(exhaustMap(() => this.beat()))),
      takeUntil(this.#end),
      share({ resetOnError: true, resetOnComplete: true, resetOnRefCountZero: true }),
    );
  }

  /** Claims the member's names; the union grows at once if they are new. */
  join(member: Membership): void {
    this.#members.add(member);
    // A name released and claimed again before the leave went out (a component remounting)
    // must not be left: that would be a spurious leave and join for everyone watching.
    for (const name of member.channels) this.#leaving.channels.delete(name);
    for (const name of member.channelGroups) this.#leaving.channelGroups.delete(name);
    const added = [...this.#channels.add(member.channels), ...this.#groups.add(member.channelGroups)];
    if (added.length > 0) this.#grown.next();
  }

  /** A member's state changed: announce it at once (and restart the cadence from there). */
  stateChanged(member: Membership): void {
    if (this.#members.has(member)) this.#grown.next();
  }

  /**
   * Releases the member's names. Names nobody holds any more are left in one request, sent once
   * the current task is done, so that many members ending together cost one leave.
   */
  release(member: Membership): void {
    if (!this.#members.delete(member)) return;
    for (const name of this.#channels.remove(member.channels)) this.#leaving.channels.add(name);
    for (const name of this.#groups.remove(member.channelGroups)) this.#leaving.channelGroups.add(name);
    if (this.#leaving.channels.size + this.#leaving.channelGroups.size === 0 || this.#leaveScheduled) return;
    this.#leaveScheduled = true;
    // An action that has run is not marked closed by rxjs, so it removes itself.
    const scheduled: Subscription = asapScheduler.schedule(() => {
      this.#pendingLeaves.delete(scheduled);
      this.sendLeave();
    });
    this.#pendingLeaves.add(scheduled);
  }

  private sendLeave(): void {
    this.#leaveScheduled = false;
    const channels = [...this.#leaving.channels];
    const channelGroups = [...this.#leaving.channelGroups];
    this.#leaving.channels.clear();
    this.#leaving.channelGroups.clear();
    // Within the service's limits, like the heartbeats: a leave it refused would leave us present.
    for (const batch of requestBatches(channels, channelGroups, undefined)) {
      // Not tied to any subscriber: the ones that triggered it are already gone. A holder rather
      // than the subscription itself: a leave that fails at once calls back before it is returned.
      const holder: { leave?: Subscription; done: boolean } = { done: false };
      holder.leave = announceLeave(
        this.context,
        { keyset: this.keyset, channels: batch.channels, channelGroups: batch.channelGroups },
        // Retried for a few seconds (250 ms doubling, six tries), so that a leave sent into a short
        // outage still lands once the service answers again.
        { timeoutMs: this.timing.leaveTimeoutMs, attempts: LEAVE_ATTEMPTS },
      ).subscribe({ error: () => this.settle(holder), complete: () => this.settle(holder) });
      if (!holder.done && !holder.leave.closed) this.#pendingLeaves.add(holder.leave);
    }
    this.settleAll();
  }

  /** Completes every member's stream; their teardowns release their names and leave. */
  end(): void {
    this.#end.next();
  }

  /** True when no member holds anything (the hub can be dropped). */
  get idle(): boolean {
    return this.#members.size === 0;
  }

  /** Resolves when every leave sent so far has been answered or has failed. */
  leavesSettled(): Promise<void> {
    if (this.#pendingLeaves.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#leavesSettled.add(resolve));
  }

  private settle(holder: { leave?: Subscription; done: boolean }): void {
    holder.done = true;
    if (holder.leave !== undefined) this.#pendingLeaves.delete(holder.leave);
    this.settleAll();
  }

  private settleAll(): void {
    for (const pending of this.#pendingLeaves) if (pending.closed) this.#pendingLeaves.delete(pending);
    if (this.#pendingLeaves.size > 0) return;
    for (const resolve of this.#leavesSettled) resolve();
    this.#leavesSettled.clear();
  }

  /**
   * One heartbeat for the current union: one request per batch within the service's limits (see
   * {@link requestBatches}), each retried with backoff while its failures are transient. The beat
   * is `ok` once every batch has answered; each failure is reported as it happens.
   */
  private beat(): Observable<HubEvent> {
    const now = () => asyncScheduler.now();
    return defer(() => {
      const batches = requestBatches(this.#channels.names(), this.#groups.names(), this.unionState());
      if (batches.length === 0) return EMPTY;
      let answered = 0;
      return merge(...batches.map((batch) => this.beatBatch(batch, now))).pipe(filter((event) => event.type === 'failed' || ++answered === batches.length));
    });
  }

  /** One batch's heartbeat; a retry leaves out names released meanwhile and sends the state as it is now. */
  private beatBatch(batch: RequestBatch, now: () => number): Observable<HubEvent> {
    return defer(() => {
      const channels = batch.channels.filter((name) => this.#channels.has(name));
      const channelGroups = batch.channelGroups.filter((name) => this.#groups.has(name));
      if (channels.length === 0 && channelGroups.length === 0) return of<HubEvent>({ type: 'ok', timestamp: now() });
      return announceHeartbeat(
        this.context,
        { keyset: this.keyset, channels, channelGroups, heartbeat: this.timing.heartbeat, state: this.unionState([...channels, ...channelGroups]) },
        // A heartbeat answered later than the next one is due is worth nothing: give up by then.
        { attempts: 1, timeoutMs: Math.min(this.timing.intervalMs, MAX_HEARTBEAT_WAIT_MS) },
      ).pipe(map((): HubEvent => ({ type: 'ok', timestamp: now() })));
    }).pipe(retryWithReport(this.timing, now));
  }

  /** Every member's state merged, keyed by channel or group; only `names` when given. */
  private unionState(names?: readonly string[]): Record<string, PresenceState> | undefined {
    let state: Record<string, PresenceState> | undefined;
    for (const member of this.#members) {
      if (member.state !== undefined) state = { ...state, ...member.state };
    }
    if (state === undefined || names === undefined) return state;
    const picked: Record<string, PresenceState> = {};
    let any = false;
    for (const name of names) {
      if (Object.prototype.hasOwnProperty.call(state, name)) {
        Object.defineProperty(picked, name, { value: state[name], enumerable: true, writable: true, configurable: true });
        any = true;
      }
    }
    return any ? picked : undefined;
  }
}

/**
 * Retries transient failures forever with capped exponential backoff, emitting a `failed`
 * event before each wait: the failure is reported, then rethrown so that `retry` waits and
 * tries again; a permanent error passes through both and errors the loop. The count starts over
 * with each heartbeat, i.e. after every success.
 */
function retryWithReport(timing: HubTiming, now: () => number) {
  return (source: Observable<HubEvent>): Observable<HubEvent> => {
    const delayFor = (attempt: number) => Math.min(timing.intervalMs, timing.retryBaseMs * 2 ** (attempt - 1));
    let attempt = 0;
    return defer(() => {
      attempt = 0;
      return source.pipe(
        catchError((error: unknown) => {
          if (!isRetryable(error)) return throwError(() => error);
          attempt += 1;
          const report: HubEvent = { type: 'failed', timestamp: now(), error: error as PresenceError, attempt, retryInMs: delayFor(attempt) };
          return concat(of(report), throwError(() => error));
        }),
        retry({ delay: (error: unknown) => (isRetryable(error) ? timer(delayFor(attempt)) : throwError(() => error)) }),
      );
    });
  };
}
