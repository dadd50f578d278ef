import { asyncScheduler, concatMap, identity, pairwise, pipe, scan, startWith } from 'rxjs';
import type { MonoTypeOperatorFunction, OperatorFunction } from 'rxjs';
import type { ChannelOccupancy, HereNowResult, OccupantInfo, PresenceEvent } from '../types';
import { jsonEqual } from './json-equal';

/**
 * Options of {@link diffOccupancy}.
 *
 * @example
 * ```ts
 * import { diffOccupancy, type DiffOccupancyOptions } from 'rx-presence';
 *
 * // Only changes: who was already there at the first snapshot is not announced.
 * const options: DiffOccupancyOptions = { initial: 'skip' };
 * const changes = diffOccupancy(options);
 * ```
 */
export interface DiffOccupancyOptions {
  /**
   * What the first snapshot means. `'join'`: everyone in it just arrived, so it yields a `join`
   * per occupant (it is diffed against {@link EMPTY_HERE_NOW}). `'skip'`: it is only the baseline
   * later snapshots are compared with, and yields nothing. If left out, `'join'`.
   */
  readonly initial?: 'join' | 'skip';
}

/**
 * A here-now answer with no channels: the "before" of a first snapshot.
 *
 * ## Example
 *
 * ```ts
 * import { diffOccupants, EMPTY_HERE_NOW } from 'rx-presence';
 *
 * const lobby = {
 *   totalChannels: 1,
 *   totalOccupancy: 1,
 *   channels: new Map([['lobby', { channelName: 'lobby', count: 1, uuids: new Map([['alice', { uuid: 'alice' }]]) }]]),
 * };
 * console.log(diffOccupants(EMPTY_HERE_NOW, lobby, 0));
 *
 * // Output:
 * // [ { action: 'join', channel: 'lobby', uuid: 'alice', occupancy: 1, timestamp: 0 } ]
 * ```
 */
export const EMPTY_HERE_NOW: HereNowResult = Object.freeze({
  totalChannels: 0,
  totalOccupancy: 0,
  channels: new Map<string, ChannelOccupancy>(),
});

/**
 * An occupancy-only answer (a count but no uuids) says how many, not who. Diffing it would turn
 * everyone into a leave, or everyone into a join on the way back, so such a channel is skipped.
 */
export function isOccupancyOnly(channel: ChannelOccupancy): boolean {
  return channel.count > 0 && channel.uuids.size === 0;
}

/**
 * `next` as far as it tells who is there: each occupancy-only channel is replaced by the last
 * roster known for it, or left out when none is. Diffing against a count would otherwise make the
 * next real roster look like a list of newcomers (a second join) and a vanished one (a leave for
 * someone never announced).
 */
function withKnownRosters(known: HereNowResult, next: HereNowResult): HereNowResult {
  let countOnly = false;
  for (const channel of next.channels.values()) {
    if (isOccupancyOnly(channel)) {
      countOnly = true;
      break;
    }
  }
  if (!countOnly) return next;
  const channels = new Map<string, ChannelOccupancy>();
  for (const [name, channel] of next.channels) {
    if (!isOccupancyOnly(channel)) channels.set(name, channel);
    else {
      const roster = known.channels.get(name);
      if (roster !== undefined) channels.set(name, roster);
    }
  }
  return { totalChannels: next.totalChannels, totalOccupancy: next.totalOccupancy, channels };
}

function diffEvent(action: 'join' | 'leave' | 'state-change', channel: string, uuid: string, occupancy: number, timestamp: number, state: unknown): PresenceEvent {
  // Two literals rather than a conditional spread: no temporary object, and `state` is either a
  // known value or absent, never `state: undefined`.
  return state === undefined ? { action, channel, uuid, occupancy, timestamp } : { action, channel, uuid, occupancy, timestamp, state };
}

/**
 * Computes the presence events that turn one here-now snapshot into the next.
 *
 * <span class="informal">The pure function under {@link diffOccupancy}: who left, who joined,
 * whose state changed, channel by channel.</span>
 *
 * Channels are matched by their key in `channels`, occupants by uuid. A uuid only in `prev` is a
 * `leave` (carrying the state it had), one only in `next` a `join` (carrying its new state), and
 * one in both whose state is not the same JSON (see {@link jsonEqual}; key order does not matter) a
 * `state-change` carrying the new state. A state that is absent and one that is `undefined` are the
 * same "no state", and an event has a `state` key only when there is one to report. Every occupant
 * of a channel missing from `next` leaves.
 *
 * Within a channel the events come as leaves, then joins, then state changes; channels come in
 * `next`'s order, then the ones that vanished, in `prev`'s order. `occupancy` is a running count
 * that starts at the channel's `count` in `prev` (0 when it was not there) and moves by one on
 * every leave and join, so a subscriber can show the number after each event; a `state-change`
 * carries `next`'s count.
 *
 * A channel that reports a count but no uuids in either snapshot (an occupancy-only here-now)
 * yields nothing: it tells how many are present, not who.
 *
 * It runs in time linear in the number of occupants: one `Map` lookup per occupant of each
 * snapshot, one state comparison per occupant present in both.
 *
 * ## Example
 *
 * ```ts
 * import { diffOccupants } from 'rx-presence';
 * import type { HereNowResult, OccupantInfo } from 'rx-presence';
 *
 * const lobby = (...occupants: OccupantInfo[]): HereNowResult => ({
 *   totalChannels: 1,
 *   totalOccupancy: occupants.length,
 *   channels: new Map([
 *     ['lobby', { channelName: 'lobby', count: occupants.length, uuids: new Map(occupants.map((o) => [o.uuid, o])) }],
 *   ]),
 * });
 *
 * const before = lobby({ uuid: 'alice', state: { mood: 'ok' } }, { uuid: 'bob' });
 * const after = lobby({ uuid: 'alice', state: { mood: 'busy' } }, { uuid: 'carol' });
 * diffOccupants(before, after, 1700000000000).forEach((e) => console.log(e.action, e.uuid, e.occupancy));
 *
 * // Output:
 * // leave bob 1
 * // join carol 2
 * // state-change alice 2
 * ```
 *
 * @see {@link diffOccupancy}
 *
 * @param prev The earlier snapshot.
 * @param next The later snapshot.
 * @param timestamp When the change was observed (Unix milliseconds), put on every event.
 * @return The events, in the order described above; empty when nothing changed.
 */
export function diffOccupants(prev: HereNowResult, next: HereNowResult, timestamp: number): PresenceEvent[] {
  const events: PresenceEvent[] = [];
  // State changes must follow a channel's joins, but are found in the same pass over `next`;
  // parking them here costs one array per call instead of a second pass with a lookup per occupant.
  const stateChanges: PresenceEvent[] = [];
  const prevChannels = prev.channels;

  for (const [channel, nextChannel] of next.channels) {
    const prevChannel = prevChannels.get(channel);
    if (isOccupancyOnly(nextChannel) || (prevChannel !== undefined && isOccupancyOnly(prevChannel))) continue;

    const nextUuids = nextChannel.uuids;
    let occupancy = 0;
    let prevUuids: ReadonlyMap<string, OccupantInfo> | undefined;
    if (prevChannel !== undefined) {
      occupancy = prevChannel.count;
      prevUuids = prevChannel.uuids;
      for (const [uuid, occupant] of prevUuids) {
        if (!nextUuids.has(uuid)) events.push(diffEvent('leave', channel, occupant.uuid, --occupancy, timestamp, occupant.state));
      }
    }

    const count = nextChannel.count;
    for (const [uuid, occupant] of nextUuids) {
      const state = occupant.state;
      const before = prevUuids?.get(uuid);
      if (before === undefined) {
        occupancy++;
        events.push(diffEvent('join', channel, uuid, occupancy, timestamp, state));
      } else if (!jsonEqual(before.state, state)) {
        stateChanges.push(diffEvent('state-change', channel, uuid, count, timestamp, state));
      }
    }
    for (let i = 0; i < stateChanges.length; i++) events.push(stateChanges[i]);
    stateChanges.length = 0;
  }

  // An occupancy-only channel that vanished has no uuids, so it rightly yields no leaves here.
  for (const [channel, prevChannel] of prevChannels) {
    if (next.channels.has(channel)) continue;
    let occupancy = prevChannel.count;
    for (const occupant of prevChannel.uuids.values()) {
      events.push(diffEvent('leave', channel, occupant.uuid, --occupancy, timestamp, occupant.state));
    }
  }

  return events;
}

/**
 * Turns a stream of here-now snapshots into the presence events between them.
 *
 * <span class="informal">Like PubNub's `-pnpres` events, derived by comparing each polled
 * snapshot with the one before it.</span>
 *
 * Each snapshot is compared with the previous one by {@link diffOccupants}, and its events are
 * emitted at once, in order (leaves, joins, then state changes, channel by channel). The first
 * snapshot has nothing before it: by default it yields a `join` for everyone in it, as if the
 * subscriber had watched them arrive; with `initial: 'skip'` it yields nothing and only sets the
 * baseline, for a subscriber that already shows the current occupants. Each subscription keeps its
 * own previous snapshot.
 *
 * Every event's `timestamp` is `asyncScheduler.now()` when the snapshot arrived, which the
 * `TestScheduler` virtualises, so marble tests see frame numbers.
 *
 * A channel answered with a count but no uuids (an occupancy-only here-now, or a server that
 * sometimes leaves them out) says how many, not who: it yields nothing and is not the roster the
 * next snapshot is compared with; the last roster seen for the channel stays that. So a uuid's
 * events always alternate join, leave, join, and a count-only answer in between changes nothing.
 *
 * Errors and completion of the source pass through unchanged. Identical snapshots yield nothing;
 * there is no need for a `distinctUntilChanged` in front.
 *
 * ## Example
 *
 * Log who comes and goes in a lobby, from two polled snapshots
 *
 * ```ts
 * import { of } from 'rxjs';
 * import { diffOccupancy } from 'rx-presence';
 * import type { HereNowResult } from 'rx-presence';
 *
 * const lobby = (...uuids: string[]): HereNowResult => ({
 *   totalChannels: 1,
 *   totalOccupancy: uuids.length,
 *   channels: new Map([
 *     ['lobby', { channelName: 'lobby', count: uuids.length, uuids: new Map(uuids.map((uuid) => [uuid, { uuid }])) }],
 *   ]),
 * });
 *
 * of(lobby('alice', 'bob'), lobby('bob', 'carol'))
 *   .pipe(diffOccupancy())
 *   .subscribe((e) => console.log(e.action, e.uuid, e.occupancy));
 *
 * // Output:
 * // join alice 1
 * // join bob 2
 * // leave alice 1
 * // join carol 2
 * ```
 *
 * ## Example
 *
 * Only what changes after the subscriber has drawn the current list
 *
 * ```ts
 * import { of } from 'rxjs';
 * import { diffOccupancy } from 'rx-presence';
 * import type { HereNowResult } from 'rx-presence';
 *
 * const lobby = (...uuids: string[]): HereNowResult => ({
 *   totalChannels: 1,
 *   totalOccupancy: uuids.length,
 *   channels: new Map([
 *     ['lobby', { channelName: 'lobby', count: uuids.length, uuids: new Map(uuids.map((uuid) => [uuid, { uuid }])) }],
 *   ]),
 * });
 *
 * of(lobby('alice', 'bob'), lobby('bob', 'carol'))
 *   .pipe(diffOccupancy({ initial: 'skip' }))
 *   .subscribe((e) => console.log(e.action, e.uuid, e.occupancy));
 *
 * // Output:
 * // leave alice 1
 * // join carol 2
 * ```
 *
 * @see {@link diffOccupants}
 *
 * @param options What the first snapshot means; see {@link DiffOccupancyOptions}.
 * @return A function that returns an Observable of the presence events between consecutive
 * snapshots of the source.
 */
export function diffOccupancy(options: DiffOccupancyOptions = {}): OperatorFunction<HereNowResult, PresenceEvent> {
  const { initial = 'join' } = options;
  // rxfire's `windowwise`: an empty "before" makes the first snapshot a join of everyone, while
  // plain `pairwise` keeps it only as the baseline.
  const seed: MonoTypeOperatorFunction<HereNowResult> = initial === 'join' ? startWith(EMPTY_HERE_NOW) : identity;
  return pipe(
    // Each snapshot as far as it tells who is there, count-only channels keeping their last roster.
    scan((known: HereNowResult, next: HereNowResult) => withKnownRosters(known, next), EMPTY_HERE_NOW),
    seed,
    pairwise(),
    // The events of one snapshot share its arrival time and are emitted synchronously, in order.
    concatMap(([prev, next]) => diffOccupants(prev, next, asyncScheduler.now())),
  );
}
