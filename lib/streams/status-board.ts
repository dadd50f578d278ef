/**
 * The status board of a client: what `status$` shows. Each long-lived stream's health (the shared
 * heartbeat and poll loops, each `events$`) is kept here, per stream, so that a late subscriber
 * gets the current state of every one. A client gets its board on first use (`status$`,
 * `events$`, `roster$`, or `new Presence()`); a page that never asks for status bundles none of
 * this, and its loops carry no more than a few unused fields (`SharedLoop.round`, `.failed`, `.followed`).
 */
import { asyncScheduler, BehaviorSubject, type Observable, tap } from 'rxjs';
import { asPresenceError, type PresenceError, type PresenceOperation } from '../errors';
import type { PresenceContext } from '../presence-context';
import type { Claim, SharedLoop } from './shared-loop';

/**
 * The kind of a long-lived stream on the board: the shared `heartbeat$` loop, the shared here-now
 * poll (under `hereNow$`, `presenceEvents$` and `roster$` with `source: 'poll'`), or one `events$`
 * long-poll (also under `source: 'subscribe'`).
 *
 * @example
 * ```ts
 * import type { StreamKind } from 'rx-presence';
 *
 * const label: Record<StreamKind, string> = { heartbeat: 'presence', poll: 'polling', events: 'live events' };
 * console.log(label.poll);
 * // Output: polling
 * ```
 */
export type StreamKind = 'heartbeat' | 'poll' | 'events';

/**
 * Where a stream is: `connecting` (no answer yet), `live` (its last request succeeded),
 * `retrying` (its last request failed transiently; it tries again on its own), `failed` (it
 * ended with a permanent error: a 403, a 400, a malformed answer).
 *
 * @example
 * ```ts
 * import type { StreamState } from 'rx-presence';
 *
 * const healthy = (state: StreamState) => state === 'live';
 * console.log(healthy('retrying'));
 * // Output: false
 * ```
 */
export type StreamState = 'connecting' | 'live' | 'retrying' | 'failed';

/**
 * The health of one long-lived stream of a client, as `status$` reports it.
 *
 * @example
 * ```ts
 * import type { StreamStatus } from 'rx-presence';
 *
 * const line = (s: StreamStatus) =>
 *   s.state === 'retrying' ? `reconnecting (attempt ${s.attempt}): ${s.error?.category} ${s.error?.message}` : s.state;
 * console.log(line({ id: 'poll 1', stream: 'poll', channels: ['lobby'], channelGroups: [], state: 'live', attempt: 0 }));
 * // Output: live
 * ```
 */
export interface StreamStatus {
  /** Names the stream on this board, stably for its life (kind and options, or a counter for `events$`). */
  readonly id: string;
  /** What kind of stream it is. */
  readonly stream: StreamKind;
  /** The channels it covers now (a shared loop: the union of its subscribers'). */
  readonly channels: readonly string[];
  /** The channel groups it covers now. */
  readonly channelGroups: readonly string[];
  /** Where it is. */
  readonly state: StreamState;
  /** Failures in a row: 0 while `connecting` or `live`, 1 at the first failure. */
  readonly attempt: number;
  /** The last error it met; kept after a recovery, so that a UI can say what was wrong. */
  readonly error?: PresenceError;
  /** When a request of it last succeeded (Unix ms; virtual time in marble tests). */
  readonly lastSuccess?: number;
}

/** How many failed streams that have ended the board keeps showing. */
const MAX_ENDED_FAILURES = 16;

/** The operation a stream's requests make, for errors that are not a `PresenceError` yet. */
const OPERATIONS: Record<StreamKind, PresenceOperation> = { heartbeat: 'heartbeat', poll: 'hereNow', events: 'subscribe' };

/** What a stream tells the board: a success, a transient failure, or the end. */
type Report = { readonly ok: true } | { readonly ok: false; readonly error: unknown; readonly final?: boolean; readonly attempt?: number };

/**
 * The board: streams' statuses by id, and all of them as one replayed stream.
 *
 * @example
 * ```ts
 * const board = new StatusBoard();
 * board.open('events 1', 'events', { channels: ['lobby'], channelGroups: [] });
 * board.report('events 1', { ok: false, error: new PresenceError('network', 'ECONNREFUSED', { operation: 'subscribe' }) });
 * board.all$.subscribe(([s]) => console.log(s.state, s.attempt));
 * // Output: retrying 1
 * ```
 *
 * @internal
 */
export class StatusBoard {
  readonly #streams = new Map<string, StreamStatus>();
  // Ids of failed streams that have ended, oldest first.
  readonly #ended = new Set<string>();
  readonly #all = new BehaviorSubject<readonly StreamStatus[]>([]);
  /** Every stream's status, on each change; the current ones at once to a late subscriber. */
  readonly all$: Observable<readonly StreamStatus[]> = this.#all.asObservable();

  /** A stream starts: `connecting` until it reports. */
  open(id: string, stream: StreamKind, scope: Claim): void {
    this.#ended.delete(id);
    this.#set({ id, stream, channels: [...scope.channels], channelGroups: [...scope.channelGroups], state: 'connecting', attempt: 0 });
  }

  /** A stream reports a success or a failure; `scope` updates what it covers. */
  report(id: string, report: Report, scope?: Claim): void {
    const before = this.#streams.get(id);
    if (before === undefined) return;
    const covered = scope === undefined ? {} : { channels: [...scope.channels], channelGroups: [...scope.channelGroups] };
    if (report.ok) {
      this.#set({ ...before, ...covered, state: 'live', attempt: 0, lastSuccess: asyncScheduler.now() });
      return;
    }
    const error = asPresenceError(OPERATIONS[before.stream], report.error);
    const state = report.final === true ? 'failed' : 'retrying';
    this.#set({ ...before, ...covered, state, attempt: report.attempt ?? (state === 'failed' ? before.attempt : before.attempt + 1), error });
  }

  /**
   * A stream ended: it leaves the board, unless it failed (then it stays to say why, until a
   * stream of the same id starts; of the failed ones that ended, the oldest go beyond
   * {@link MAX_ENDED_FAILURES}, so that an app retrying a failing `events$` forever cannot grow it).
   */
  close(id: string): void {
    const status = this.#streams.get(id);
    if (status === undefined) return;
    if (status.state !== 'failed') {
      this.#streams.delete(id);
      return this.#publish();
    }
    this.#ended.delete(id);
    this.#ended.add(id);
    for (const old of this.#ended) {
      if (this.#ended.size <= MAX_ENDED_FAILURES) return;
      this.#ended.delete(old);
      this.#streams.delete(old);
      this.#publish();
    }
  }

  #set(status: StreamStatus): void {
    this.#streams.set(status.id, status);
    this.#publish();
  }

  #publish(): void {
    this.#all.next([...this.#streams.values()]);
  }
}

const boards = new WeakMap<PresenceContext, StatusBoard>();

/**
 * The board of a client, made on first use. Making it starts watching the client's shared loops
 * (those running already, and each made later), so ask for it before starting the streams whose
 * whole history matters; `new Presence()` does.
 *
 * @example
 * ```ts
 * statusBoard(context).all$.subscribe((streams) => console.log(streams.map((s) => `${s.id}: ${s.state}`)));
 * ```
 *
 * @internal
 */
export function statusBoard(context: PresenceContext): StatusBoard {
  let board = boards.get(context);
  if (board === undefined) {
    boards.set(context, (board = new StatusBoard()));
    watchLoops(board, 'heartbeat', context.loops.heartbeats);
    watchLoops(board, 'poll', context.loops.polls);
  }
  return board;
}

/**
 * The board id of a shared loop: its kind and its registry key, so that the same loop made again
 * (same key) takes its place on the board.
 *
 * @example
 * ```ts
 * hereNow$(context, { channels: ['lobby'] }, (pollKey) => console.log(loopId('poll', pollKey)));
 * ```
 *
 * @internal
 */
export function loopId(stream: StreamKind, key: string): string {
  return `${stream} ${key}`;
}

/** The shape of a round every shared loop emits that the board reads: a heartbeat's `failed`. */
interface MaybeFailed {
  readonly type?: string;
  readonly error?: unknown;
  readonly attempt?: number;
}

/**
 * Watches the loops of one registry: each loop added is opened on the board and its rounds
 * wrapped; each removed is closed. The registries are plain `Map`s and the loops know nothing of
 * the board, so that a page that never asks for status pays nothing: the board wraps the
 * registry's own `set` and `delete` instead of the loops calling it.
 */
function watchLoops<T, C extends Claim>(board: StatusBoard, stream: StreamKind, registry: Map<string, SharedLoop<T, C>>): void {
  const watch = (key: string, loop: SharedLoop<T, C>) => {
    const id = loopId(stream, key);
    board.open(id, stream, loop.held());
    const round = loop.round;
    loop.failed = (error) => board.report(id, { ok: false, error }, loop.held());
    // A heartbeat reports each failure before its retry; anything else is an answer.
    const reported = (rounds$: Observable<T>): Observable<T> =>
      rounds$.pipe(
        tap({
          next: (value) => {
            const event = value as MaybeFailed;
            board.report(id, event.type === 'failed' ? { ok: false, error: event.error, attempt: event.attempt } : { ok: true }, loop.held());
          },
          error: (error: unknown) => board.report(id, { ok: false, error, final: true }, loop.held()),
        }),
      );
    loop.round = (self) => reported(round(self));
    // A follower tab's loop makes no rounds of its own: the leader's, which it follows, tell its health.
    loop.followed = reported;
  };
  for (const [key, loop] of registry) watch(key, loop);
  const set = registry.set.bind(registry);
  const remove = registry.delete.bind(registry);
  registry.set = (key, loop) => {
    set(key, loop);
    watch(key, loop);
    return registry;
  };
  registry.delete = (key) => {
    const removed = remove(key);
    if (removed) board.close(loopId(stream, key));
    return removed;
  };
}
