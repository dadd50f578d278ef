import type * as t from 'io-ts';
import { isLeft } from '../codecs/either';
import {
  catchError,
  defer,
  EMPTY,
  groupBy,
  identity,
  map,
  mergeMap,
  type MonoTypeOperatorFunction,
  type Observable,
  of,
  type OperatorFunction,
  pipe,
  switchMap,
  throwError,
  timer,
} from 'rxjs';
import { formatIssues, toIssues } from '../codecs/report';
import { asPresenceError, validationError } from '../errors';
import type { PresenceContext } from '../presence-context';
import { StateInfo } from '../operations/here-now';
import type { PresenceEvent } from '../types';
import { diffOccupancy } from './diff-occupancy';
import type { EventsOptions } from './events-stream';
import { jsonEqual } from './json-equal';
import { hereNow$, type HereNowStreamOptions } from './here-now-stream';

/**
 * Where {@link presenceEvents$} gets events for `source: 'subscribe'`: pass `events$`. Taken as an
 * argument rather than imported, so that a page polling for events does not bundle the subscribe
 * stream.
 *
 * @example
 * ```ts
 * import { events$, presenceEvents$, type SubscribeSource } from 'rx-presence';
 *
 * const source: SubscribeSource = events$;
 * presenceEvents$(context, { channels: ['lobby'], source: 'subscribe' }, source).subscribe(console.log);
 * ```
 */
export type SubscribeSource = (context: PresenceContext, options: EventsOptions, joined?: (statusId: string) => void) => Observable<PresenceEvent>;

/**
 * Options of `presence.presenceEvents$()`.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * const options: PresenceEventsOptions<{ mood: string }> = {
 *   channels: ['lobby'], interval: 5, graceMs: 15_000, stateCodec: t.type({ mood: t.string }),
 * };
 * ```
 */
export interface PresenceEventsOptions<S = unknown> extends HereNowStreamOptions {
  /** `join` (default): the first snapshot yields a join per occupant. `skip`: it is only the baseline. */
  readonly initial?: 'join' | 'skip';
  /**
   * A uuid that vanishes and comes back within this many milliseconds yields nothing (flap
   * suppression); one still missing after it yields a single leave, as late as this. Default 0.
   */
  readonly graceMs?: number;
  /**
   * An io-ts codec for the state: events carry it typed. A state that fails it arrives as a
   * `state-invalid` event with readable issues; the stream never errors for it. Implies
   * `stateInfo: StateInfo.all` unless given.
   */
  readonly stateCodec?: t.Decoder<unknown, S>;
  /**
   * Where events come from. `poll` (default): diffs of `hereNow$` snapshots, every `interval`.
   * `subscribe`: the service's own events over the subscribe long-poll (`events$`): immediate,
   * and they tell a `timeout` from a `leave`.
   */
  readonly source?: 'poll' | 'subscribe';
}

/**
 * Holds each `leave` for `graceMs`; a `join` of the same uuid on the same channel within that
 * time cancels both (a `state-change` is emitted instead if the state differs). Pure RxJS:
 * `groupBy` per channel and uuid, `switchMap` to cancel the pending leave.
 *
 * @example
 * ```ts
 * presence.presenceEvents$({ channels: ['lobby'] }).pipe(suppressFlaps(15_000)).subscribe(console.log);
 * ```
 */
export function suppressFlaps<S>(graceMs: number): MonoTypeOperatorFunction<PresenceEvent<S>> {
  if (graceMs <= 0) return identity;
  return pipe(
    groupBy((event) => `${event.channel}\u0000${event.uuid}`, {
      // A group lives a little longer than a pending leave, so groups do not pile up.
      duration: (group$) => group$.pipe(switchMap(() => timer(graceMs + 1))),
    }),
    mergeMap((group$) =>
      defer(() => {
        let pendingLeave: PresenceEvent<S> | undefined;
        return group$.pipe(
          switchMap((event): Observable<PresenceEvent<S>> => {
            if (event.action === 'leave') {
              pendingLeave = event;
              return timer(graceMs).pipe(
                map(() => {
                  pendingLeave = undefined;
                  return event;
                }),
              );
            }
            if (event.action === 'join' && pendingLeave !== undefined) {
              const before = pendingLeave;
              pendingLeave = undefined;
              return jsonEqual(before.state, event.state) ? EMPTY : of({ ...event, action: 'state-change' } as PresenceEvent<S>);
            }
            return of(event);
          }),
        );
      }),
    ),
  );
}

/**
 * Types each event's `state` with an io-ts codec. A state that fails becomes a `state-invalid`
 * event with `path: expected X, got Y` issues; so does one the codec cannot even walk (a recursive
 * codec on a state nested deeper than the call stack allows): the stream never errors for it.
 * Events without a state pass through.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * events$.pipe(decodeStates(t.type({ mood: t.string }))).subscribe((e) => {
 *   if (e.action !== 'state-invalid' && e.state) console.log(e.state.mood);
 * });
 * ```
 */
export function decodeStates<S>(codec: t.Decoder<unknown, S>): OperatorFunction<PresenceEvent, PresenceEvent<S>> {
  return map((event): PresenceEvent<S> => {
    if (event.action === 'state-invalid' || !('state' in event) || event.state === undefined) return event as PresenceEvent<S>;
    const state = event.state;
    let issues: string[];
    try {
      const result = codec.decode(state);
      if (!isLeft(result)) return { ...event, state: result.right } as PresenceEvent<S>;
      issues = formatIssues(toIssues(result.left)).split('\n');
    } catch (error) {
      // A recursive codec walks a peer's state as deep as it goes; a state it cannot even walk
      // (a RangeError from nesting) is unusable, which is what state-invalid reports.
      issues = [`the state could not be checked (${error instanceof Error ? error.message : String(error)})`];
    }
    // The event as it came (with its timetoken, when it has one), the state undecoded.
    return { ...event, action: 'state-invalid', state, issues };
  });
}

/**
 * Join, leave and state-change events derived from polled here-now snapshots: the free-function
 * form of `presence.presenceEvents$()`, for code that holds only a {@link PresenceContext}.
 * See `Presence.presenceEvents$` for the options and the behaviour. For `source: 'subscribe'`,
 * pass `events$` as `subscribeSource` (it is not imported here, so polling pages stay small).
 * `joined`, if given, is told which stream below the events come from: the key of the shared
 * poll, or the status id of the `events$` long-poll (`roster$` reads its health with it).
 *
 * @example
 * ```ts
 * import { of, take } from 'rxjs';
 * import { Presence, Keyset, presenceEvents$ } from 'rx-presence';
 * import { responses } from 'rx-presence/testing';
 *
 * const presence = new Presence({
 *   defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'me' }),
 *   transport: () => of(responses.hereNow(['alice', 'bob'])),
 * });
 * presenceEvents$(presence.context, { channels: ['lobby'] })
 *   .pipe(take(2))
 *   .subscribe((e) => console.log(e.action, e.uuid, e.occupancy));
 * // Output:
 * // join alice 1
 * // join bob 2
 * ```
 */
export function presenceEvents$<S = unknown>(
  context: PresenceContext,
  options: PresenceEventsOptions<S> = {},
  subscribeSource?: SubscribeSource,
  joined?: (pollKeyOrStatusId: string) => void,
): Observable<PresenceEvent<S>> {
  return defer(() => {
    const { initial = 'join', graceMs = 0, stateCodec, source = 'poll', ...pollOptions } = options;
    const stateInfo = pollOptions.stateInfo ?? (stateCodec === undefined ? StateInfo.onlyUUIDs : StateInfo.all);
    if (stateInfo === StateInfo.none) {
      throw validationError('hereNow', 'presence events need uuids: stateInfo none gives counts only');
    }
    if (typeof graceMs !== 'number' || !(graceMs >= 0)) throw validationError('hereNow', `graceMs must be 0 or more, got ${String(graceMs)}`);
    if (initial !== 'join' && initial !== 'skip') throw validationError('hereNow', `initial must be 'join' or 'skip', got ${String(initial)}`);
    if (source !== 'poll' && source !== 'subscribe') throw validationError('hereNow', `source must be 'poll' or 'subscribe', got ${String(source)}`);
    if (source === 'subscribe' && subscribeSource === undefined) {
      throw validationError('hereNow', "source 'subscribe' needs events$ as the third argument");
    }
    const raw$ =
      source === 'subscribe'
        ? // Checked just above.
          subscribeSource!(context, { keyset: pollOptions.keyset, using: pollOptions.using, channels: pollOptions.channels, channelGroups: pollOptions.channelGroups, initial }, joined)
        : hereNow$(context, { ...pollOptions, stateInfo }, joined).pipe(diffOccupancy({ initial }));
    return raw$.pipe(
      stateCodec === undefined ? (identity as OperatorFunction<PresenceEvent, PresenceEvent<S>>) : decodeStates(stateCodec),
      suppressFlaps<S>(graceMs),
      // Whatever goes wrong while handling other users' data, a subscriber sees a PresenceError.
      catchError((error: unknown) => throwError(() => asPresenceError(source === 'subscribe' ? 'subscribe' : 'hereNow', error))),
    );
  });
}
