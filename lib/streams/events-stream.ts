import { isLeft } from '../codecs/either';
import {
  asyncScheduler,
  catchError,
  concat,
  concatMap,
  defer,
  expand,
  finalize,
  from,
  ignoreElements,
  map,
  merge,
  type Observable,
  retry,
  tap,
  throwError,
  timer,
} from 'rxjs';
import { PresencePayload, type SubscribeMessage } from '../codecs/subscribe';
import { asPresenceError, validationError } from '../errors';
import type { KeysetChoice } from '../keyset';
import type { PresenceContext } from '../presence-context';
import { retryConfig } from '../retry-policy';
import { hereNowWith, StateInfo } from '../operations/here-now';
import { subscribeOnce } from '../operations/subscribe';
import { DEFAULT_PRESENCE_TIMEOUT } from '../protocol/limits';
import { PRESENCE_SUFFIX } from '../protocol/presence-channels';
import type { HereNowResult, PresenceEvent, PresenceState } from '../types';
import { heartbeatSeconds, perChannelStateJson, secondsIn, targets } from '../validate';
import { diffOccupants } from './diff-occupancy';
import { heartbeat$ } from './heartbeat-stream';
import { PresenceModel, type Change } from './presence-model';
import { statusBoard } from './status-board';

/**
 * Options of `presence.events$()`. Times are in seconds.
 *
 * @example
 * ```ts
 * const options: EventsOptions = { channels: ['lobby'], withHeartbeat: true, state: { lobby: { mood: 'ok' } } };
 * ```
 */
export interface EventsOptions extends KeysetChoice {
  /** Channels whose presence events to watch; at least one channel or group is required. */
  readonly channels?: Iterable<string>;
  /** Channel groups whose channels' presence events to watch. */
  readonly channelGroups?: Iterable<string>;
  /** `join` (default): who is already there arrives as joins first. `skip`: only changes. */
  readonly initial?: 'join' | 'skip';
  /** Also be present on the channels (as `heartbeat$`, so ending announces leave once). */
  readonly withHeartbeat?: boolean;
  /** With `withHeartbeat`: the presence timeout, 1 to 320 s. Default 300. */
  readonly heartbeat?: number;
  /** With `withHeartbeat`: seconds between heartbeats. Default as `heartbeat$`. */
  readonly interval?: number;
  /** With `withHeartbeat`: state per channel or group. */
  readonly state?: Readonly<Record<string, PresenceState>>;
  /** Longest wait for one long-poll answer before it counts as failed: 1 to 3,600 s. Default 310 s (the service holds 280 s). */
  readonly longPollTimeout?: number;
  /** First reconnect delay after a failure, doubling up to 30 s: 0.1 to 300 s. Default 1 s. */
  readonly reconnectDelay?: number;
}

const MAX_RECONNECT_MS = 30_000;
/** Numbers each `events$` subscription for its id on the status board. */
let streamCount = 0;

/**
 * The shortest time from one long-poll to the next when the first came back empty-handed (no
 * change for anyone) and fast: 1 s. The service holds a long-poll until something happens, so
 * only a misbehaving server or proxy answers like that; without a floor it would get a request
 * per millisecond.
 *
 * @example
 * ```ts
 * import { MIN_IDLE_POLL_GAP_MS } from 'rx-presence';
 *
 * console.log(MIN_IDLE_POLL_GAP_MS);
 * // Output: 1000
 * ```
 */
export const MIN_IDLE_POLL_GAP_MS = 1000;

/** What one message of a long-poll answer says. */
interface Read {
  readonly channel: string;
  readonly changes: Change[];
  /** The service asks us to re-read the channel (too many changes to list). */
  readonly refresh: boolean;
  readonly occupancy?: number;
}

/** Reads one message into changes; `refresh` when the service says to re-read the channel. */
function toChanges(message: SubscribeMessage): Read | undefined {
  if (!message.c.endsWith(PRESENCE_SUFFIX)) return undefined;
  const channel = message.c.slice(0, -PRESENCE_SUFFIX.length);
  const decoded = PresencePayload.decode(message.d);
  // Not a presence payload we know: skip it rather than end everyone's stream.
  if (isLeft(decoded)) return undefined;
  const payload = decoded.right;
  const timestamp = Number(payload.timestamp) * 1000;
  const timetoken = message.p.t;
  if (payload.action === 'interval') {
    if (payload.here_now_refresh) return { channel, changes: [], refresh: true, occupancy: payload.occupancy };
    const changes: Change[] = [];
    // The deltas carry no per-step occupancy: each step gets the final one, and the check runs after all.
    const delta = (action: Change['action'], uuids: readonly string[] | undefined) => {
      for (const uuid of uuids ?? []) changes.push({ action, channel, uuid, occupancy: payload.occupancy, timestamp, timetoken, hasState: false });
    };
    delta('leave', payload.leave);
    delta('timeout', payload.timeout);
    delta('join', payload.join);
    return { channel, changes, refresh: false, occupancy: payload.occupancy };
  }
  const hasState = payload.data !== undefined;
  return {
    channel,
    refresh: false,
    changes: [{ action: payload.action, channel, uuid: payload.uuid, occupancy: payload.occupancy, timestamp, timetoken, hasState, ...(hasState ? { state: payload.data } : {}) }],
  };
}

/**
 * Presence events in real time over the subscribe long-poll. See `Presence.events$`.
 *
 * @example
 * ```ts
 * import { events$, Keyset, presenceContext } from 'rx-presence';
 *
 * const context = presenceContext({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'me' }) });
 * events$(context, { channels: ['lobby'] }).subscribe((e) => console.log(e.action, e.uuid, e.timetoken));
 * ```
 *
 * @param joined Told the stream's id on the client's status board (`roster$` reads its health with it).
 */
export function events$(context: PresenceContext, options: EventsOptions = {}, joined?: (statusId: string) => void): Observable<PresenceEvent> {
  const operation = 'subscribe';
  return defer(() => {
    const keyset = context.keysets.resolve(options, operation);
    const target = targets(operation, options, true);
    const initial = options.initial ?? 'join';
    if (initial !== 'join' && initial !== 'skip') throw validationError(operation, `initial must be 'join' or 'skip', got ${String(initial)}`);
    const withHeartbeat = options.withHeartbeat ?? false;
    const heartbeat = withHeartbeat ? heartbeatSeconds(operation, options.heartbeat ?? DEFAULT_PRESENCE_TIMEOUT) : undefined;
    if (withHeartbeat && options.state !== undefined) perChannelStateJson(operation, options.state, target);
    const longPollMs = secondsIn(operation, 'longPollTimeout', options.longPollTimeout ?? 310, 1, 3600) * 1000;
    const reconnectMs = secondsIn(operation, 'reconnectDelay', options.reconnectDelay ?? 1, 0.1, 300) * 1000;
    // Snapshots and long-polls back off alike: transient failures doubling up to 30 s, the rest
    // final. Each request is made with one attempt: this is its only retry.
    // Its health goes on the client's status board (status$): each retry as it is scheduled.
    const board = statusBoard(context);
    const id = `events ${++streamCount}`;
    joined?.(id);
    const reconnect = retryConfig({ baseDelayMs: reconnectMs, maxDelayMs: MAX_RECONNECT_MS, jitter: false, honorRetryAfter: false, resetOnSuccess: true }, (error, attempt) =>
      board.report(id, { ok: false, error, attempt }),
    );
    const live$ = () => board.report(id, { ok: true });

    const presenceChannels = target.channels.map((c) => c + PRESENCE_SUFFIX);
    const presenceGroups = target.channelGroups.map((g) => g + PRESENCE_SUFFIX);
    const request = {
      keyset,
      channels: withHeartbeat ? [...target.channels, ...presenceChannels] : presenceChannels,
      channelGroups: withHeartbeat ? [...target.channelGroups, ...presenceGroups] : presenceGroups,
      ...(heartbeat === undefined ? {} : { heartbeat }),
      ...(withHeartbeat && options.state !== undefined ? { state: options.state } : {}),
    };

    const model = new PresenceModel();
    let timetoken = '0';
    let region: number | undefined;
    const now = () => asyncScheduler.now();

    const snapshot = (scope: { channels: readonly string[]; channelGroups: readonly string[] }): Observable<HereNowResult> =>
      hereNowWith(context, { keyset, ...scope, stateInfo: StateInfo.all }, { attempts: 1 }).pipe(retry(reconnect));

    /** Re-reads one channel and emits whatever we missed, as a diff of our view and the service's. */
    const reconcile = (channel: string): Observable<PresenceEvent> =>
      snapshot({ channels: [channel], channelGroups: [] }).pipe(
        concatMap((fresh) => {
          const mine: HereNowResult = { totalChannels: 1, totalOccupancy: 0, channels: new Map([[channel, model.occupancy(channel)]]) };
          const events = diffOccupants(mine, fresh, now());
          model.reset(fresh, [channel]);
          return from(events);
        }),
      );

    const poll = defer(() => subscribeOnce(context, { ...request, timetoken, ...(region === undefined ? {} : { region }) }, { attempts: 1, timeoutMs: longPollMs })).pipe(
      // Reconnect from the same timetoken: the service replays what we missed while away.
      retry(reconnect),
      tap((body) => {
        timetoken = body.t.t;
        region = body.t.r;
      }),
    );

    const start = poll.pipe(
      // The handshake fixed where the event stream starts; the snapshot is taken after it, so
      // nothing can fall between the two (replays are applied idempotently).
      concatMap(() => snapshot(target)),
      concatMap((first) => {
        const events = initial === 'join' ? diffOccupants({ totalChannels: 0, totalOccupancy: 0, channels: new Map() }, first, now()) : [];
        model.reset(first, target.channels);
        return from(events);
      }),
      // Live once the snapshot is in: the stream is where the service is.
      tap({ complete: live$ }),
    );

    /**
     * One long-poll, and how long the next must wait: an answer that came back empty-handed (no
     * change for anyone: nothing, messages we cannot read, only repair requests, or a timetoken
     * that stands still) within MIN_IDLE_POLL_GAP_MS of the request is followed by a wait for
     * the rest of that time. The service holds a long-poll until something happens, so only a
     * misbehaving server (or proxy) answers like that, and it must not get a request per ms.
     */
    const longPoll = defer(() => {
      const startedAt = now();
      const before = timetoken;
      return poll.pipe(
        tap(live$),
        map((body) => {
          const reads: Read[] = [];
          for (const message of body.m) {
            const read = toChanges(message);
            if (read !== undefined) reads.push(read);
          }
          const idle = body.t.t === before || !reads.some((read) => read.changes.length > 0);
          return { reads, gap: idle ? Math.max(0, startedAt + MIN_IDLE_POLL_GAP_MS - now()) : 0 };
        }),
      );
    });

    /** Applies one answer; then at most one repair per channel, however many messages asked. */
    const applyAnswer = (reads: readonly Read[]): Observable<PresenceEvent> => {
      const out: PresenceEvent[] = [];
      const repairs = new Set<string>();
      for (const read of reads) {
        if (read.refresh) {
          repairs.add(read.channel);
          continue;
        }
        for (const change of read.changes) {
          const event = model.apply(change);
          if (event !== undefined) out.push(event);
        }
        const diverged = read.occupancy !== undefined ? model.diverges(read.channel, read.occupancy) : read.changes.some((c) => model.diverges(c.channel, c.occupancy));
        if (diverged) repairs.add(read.channel);
      }
      return repairs.size === 0 ? from(out) : concat(from(out), from(repairs).pipe(concatMap(reconcile)));
    };

    const live = longPoll.pipe(
      expand(({ gap }) => (gap > 0 ? timer(gap).pipe(concatMap(() => longPoll)) : longPoll)),
      concatMap(({ reads }) => applyAnswer(reads)),
    );

    // Whatever goes wrong while handling other users' data, a subscriber sees a PresenceError.
    const stream = defer(() => {
      board.open(id, 'events', target);
      return concat(start, live);
    }).pipe(
      catchError((error: unknown) => {
        board.report(id, { ok: false, error, final: true });
        return throwError(() => asPresenceError(operation, error));
      }),
      finalize(() => board.close(id)),
    );
    if (!withHeartbeat) return stream;
    // heartbeat$ keeps us present between long-polls and sends the one leave when this ends.
    const beats = heartbeat$(context, {
      keyset,
      channels: target.channels,
      channelGroups: target.channelGroups,
      ...(heartbeat === undefined ? {} : { heartbeat }),
      ...(options.interval === undefined ? {} : { interval: options.interval }),
      ...(options.state === undefined ? {} : { state: options.state }),
    }).pipe(ignoreElements());
    return merge(stream, beats);
  });
}
