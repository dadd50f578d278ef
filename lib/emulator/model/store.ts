import { performance } from 'node:perf_hooks';
import type { EmulatorClock, EmulatorPresenceEvent } from '../types';
import { DeadlineHeap, type Scheduled } from './expiry-queue';
import { ParkedStates } from './parked-states';
import { ChannelsByUuid } from './uuid-index';

/**
 * Presence state as stored: always a JSON object (the routes reject anything else).
 *
 * @example
 * ```ts
 * const state: StoredState = { mood: 'happy', seat: 3 };
 * ```
 */
export type StoredState = { readonly [key: string]: unknown };

/**
 * A (channel, uuid) record with a deadline. `scheduledAt` is where the heap has it; `expiresAt` may
 * have moved later since (see {@link PresenceStore.expire}).
 *
 * @example
 * ```ts
 * const record: Timed = { channel: 'lobby', uuid: 'alice', expiresAt: t, scheduledAt: t, heapIndex: -1, state: undefined };
 * ```
 */
interface Timed extends Scheduled {
  readonly channel: string;
  readonly uuid: string;
  /** Whole ms since the store's epoch (see {@link PresenceStore}), as is `scheduledAt`. */
  expiresAt: number;
  state: StoredState | undefined;
}

/** A uuid present on a channel. */
interface Occupant extends Timed {
  readonly kind: 'present';
  /** The presence timeout last given for this record, for renewals that give none (subscribe without `heartbeat`). */
  timeoutMs: number;
}

/**
 * State set for a uuid that is not present on the channel. The service keeps it for when the uuid
 * arrives; we drop it after the default presence timeout so a stream of set-state calls for
 * uuids that never show up cannot grow memory without bound.
 *
 * @example
 * ```ts
 * const parked: ParkedState = { kind: 'parked', channel: 'lobby', uuid: 'ghost', expiresAt: t, scheduledAt: t, heapIndex: -1, state: { mood: 'ok' }, store };
 * ```
 */
export interface ParkedState extends Timed {
  readonly kind: 'parked';
  /** The store holding it, so that {@link ParkedStates} can drop it from there. */
  readonly store: PresenceStore;
}

type Entry = Occupant | ParkedState;

/**
 * Receives presence events; the server forwards them to `events$`.
 *
 * @example
 * ```ts
 * const sink: PresenceEventSink = (event) => console.log(event.action, event.uuid, event.occupancy);
 * ```
 */
export type PresenceEventSink = (event: EmulatorPresenceEvent) => void;

/**
 * How many deadlines a time-limited {@link PresenceStore.expire} handles between looks at the
 * clock (a few tens of µs of work, even before the code is optimised).
 *
 * @example
 * ```ts
 * store.expire(Infinity, performance.now() + 3); // overruns 3 ms by at most CLOCK_CHECK_EVERY timeouts
 * ```
 */
export const CLOCK_CHECK_EVERY = 16;

const isEmpty = (state: StoredState): boolean => {
  for (const _ in state) return false;
  return true;
};

const sameState = (a: StoredState | undefined, b: StoredState | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b));

/**
 * In-memory presence for one subscribe key: who is on which channel until when, and their state.
 *
 * - `channel → uuid → occupant` in Maps, so occupants keep their arrival order (stable here-now
 *   paging) and occupancy is a `size`;
 * - `uuid → channels` (sharded), so where-now costs the uuid's channels, not all channels;
 * - every record in one {@link DeadlineHeap}: a heartbeat that only pushes the deadline later
 *   does not touch the heap; when the old deadline comes up the record is re-keyed to the current
 *   one. A leave removes its record at once. Expiry costs O(log n) per expiring record.
 *
 * Events carry the occupancy *after* the change, as the service's do.
 *
 * Deadlines are whole milliseconds since the store was made, not clock readings: V8 keeps a small
 * integer inside the record, but a number like `Date.now()` (beyond 2^31) in a box of its own. Two
 * boxes per record were an eighth of the heap at a million occupants (272 → 240 MB) and a quarter
 * of a full GC's time. (After 24 days deadlines outgrow small integers: still correct, boxed again.)
 *
 * @example
 * ```ts
 * let now = 0;
 * const events: EmulatorPresenceEvent[] = [];
 * const store = new PresenceStore('demo', { now: () => now }, (e) => events.push(e), 300);
 * store.heartbeat('alice', ['lobby'], 10);
 * store.occupancy('lobby'); // 1
 * now = 10_000;
 * store.expire();           // events: join, then timeout with occupancy 0
 * ```
 */
export class PresenceStore {
  private readonly channels = new Map<string, Map<string, Occupant>>();
  private readonly channelsByUuid = new ChannelsByUuid();
  private readonly parked = new Map<string, Map<string, ParkedState>>();
  private readonly queue = new DeadlineHeap<Entry>();
  private occupantCount = 0;
  /** The clock reading deadlines count from. */
  private readonly epoch: number;

  /**
   * @param subscribeKey - Copied into every event.
   * @param clock - Time source for deadlines and event timestamps.
   * @param emit - Receives join / leave / timeout / state-change.
   * @param parkedStateSeconds - How long state set for an absent uuid is kept; also the presence
   *   timeout of a newcomer whose heartbeat gives none.
   * @param parkedStates - Caps parked states in number; shared by the stores of one emulator.
   */
  constructor(
    readonly subscribeKey: string,
    private readonly clock: EmulatorClock,
    private readonly emit: PresenceEventSink,
    private readonly parkedStateSeconds: number,
    private readonly parkedStates: ParkedStates = new ParkedStates(),
  ) {
    this.epoch = clock.now();
  }

  /** Total (channel, uuid) pairs present. */
  get size(): number {
    return this.occupantCount;
  }

  /** Deadlines held by the expiry heap: exactly one per occupant and per parked state. */
  get queuedDeadlines(): number {
    return this.queue.size;
  }

  /** Whether it holds nothing: no occupant and no parked state. */
  get isEmpty(): boolean {
    return this.queue.size === 0;
  }

  /**
   * Marks `uuid` present on each channel for `timeoutSeconds` from now. A first sighting emits
   * `join`; `states` (channel → state) replaces the state where given, emitting `state-change` for
   * a present uuid whose state actually changed. An empty object clears the state.
   *
   * `timeoutSeconds` `undefined` (a subscribe without `heartbeat`) renews each record by the
   * timeout it last had, and gives a newcomer the default presence timeout.
   */
  heartbeat(
    uuid: string,
    channels: Iterable<string>,
    timeoutSeconds: number | undefined,
    states?: ReadonlyMap<string, StoredState>,
  ): void {
    const at = this.clock.now();
    const givenMs = timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000;
    for (const channel of channels) {
      const given = states?.get(channel);
      const newState = given === undefined || isEmpty(given) ? undefined : given;
      let occupants = this.channels.get(channel);
      const existing = occupants?.get(uuid);
      if (existing) {
        if (givenMs !== undefined) existing.timeoutMs = givenMs;
        const expiresAt = this.deadline(at, existing.timeoutMs);
        existing.expiresAt = expiresAt;
        // Only a shorter timeout needs the heap; a later deadline is picked up lazily.
        if (expiresAt < existing.scheduledAt) this.queue.reschedule(existing, expiresAt);
        if (given !== undefined && !sameState(existing.state, newState)) {
          existing.state = newState;
          this.event(channel, 'state-change', uuid, occupants!.size, newState ?? {}, at);
        }
        continue;
      }
      const parked = this.takeParked(channel, uuid);
      const timeoutMs = givenMs ?? this.parkedStateSeconds * 1000;
      const expiresAt = this.deadline(at, timeoutMs);
      const occupant: Occupant = {
        kind: 'present', channel, uuid, expiresAt, scheduledAt: expiresAt, heapIndex: -1, timeoutMs,
        state: given !== undefined ? newState : parked?.state,
      };
      if (!occupants) this.channels.set(channel, (occupants = new Map()));
      occupants.set(uuid, occupant);
      this.occupantCount++;
      this.channelsByUuid.add(uuid, channel);
      this.queue.push(occupant);
      this.event(channel, 'join', uuid, occupants.size, occupant.state, at);
    }
  }

  /** Removes `uuid` from each channel at once, emitting `leave` and dropping its state there. */
  leave(uuid: string, channels: Iterable<string>): void {
    const at = this.clock.now();
    for (const channel of channels) {
      this.takeParked(channel, uuid);
      const occupant = this.channels.get(channel)?.get(uuid);
      if (occupant) this.remove(occupant, 'leave', at);
    }
  }

  /**
   * Sets `uuid`'s state on each channel. Where the uuid is present this emits `state-change`
   * (every call, as the service does); elsewhere the state waits for the uuid to arrive. An empty
   * object clears the state.
   */
  setState(uuid: string, channels: Iterable<string>, state: StoredState): void {
    const at = this.clock.now();
    const newState = isEmpty(state) ? undefined : state;
    for (const channel of channels) {
      const occupants = this.channels.get(channel);
      const occupant = occupants?.get(uuid);
      if (occupant) {
        occupant.state = newState;
        this.event(channel, 'state-change', uuid, occupants!.size, state, at);
        continue;
      }
      this.takeParked(channel, uuid);
      if (!newState) continue;
      const expiresAt = this.deadline(at, this.parkedStateSeconds * 1000);
      const entry: ParkedState = { kind: 'parked', channel, uuid, expiresAt, scheduledAt: expiresAt, heapIndex: -1, state: newState, store: this };
      // First: making room may drop a parked state of this very channel (and its Map with it).
      if (!this.parkedStates.admit(entry)) continue;
      let ofChannel = this.parked.get(channel);
      if (!ofChannel) this.parked.set(channel, (ofChannel = new Map()));
      ofChannel.set(uuid, entry);
      this.queue.push(entry);
    }
  }

  /** `uuid`'s state on `channel`, present or not; `undefined` when none. */
  getState(uuid: string, channel: string): StoredState | undefined {
    return (this.channels.get(channel)?.get(uuid) ?? this.parked.get(channel)?.get(uuid))?.state;
  }

  /** Number of uuids present on `channel`. */
  occupancy(channel: string): number {
    return this.channels.get(channel)?.size ?? 0;
  }

  /** The occupants of `channel` in arrival order, each with its state. */
  occupants(channel: string): IterableIterator<{ readonly uuid: string; readonly state: StoredState | undefined }> {
    return (this.channels.get(channel) ?? new Map<string, Occupant>()).values();
  }

  /** Channels with at least one occupant, oldest first. */
  occupiedChannels(): IterableIterator<string> {
    // Empty channels are deleted eagerly, so every key is occupied.
    return this.channels.keys();
  }

  /** Channels `uuid` is present on. */
  whereNow(uuid: string): string[] {
    return this.channelsByUuid.get(uuid);
  }

  /** Whether something is due now. */
  hasDue(): boolean {
    return this.queue.isDue(this.elapsed(this.clock.now()));
  }

  /**
   * Times out what is due, emitting `timeout`: at most `budget` queue entries, and none once
   * `performance.now()` passes `deadline` (checked every {@link CLOCK_CHECK_EVERY} entries), so a
   * caller can spread a mass timeout over several turns of the event loop. Costs O(log n) per
   * entry looked at; nothing when nothing is due.
   *
   * @returns `true` when nothing due is left.
   */
  expire(budget = Infinity, deadline = Infinity): boolean {
    const at = this.clock.now();
    const now = this.elapsed(at);
    const queue = this.queue;
    let left = budget;
    let untilCheck = CLOCK_CHECK_EVERY;
    for (let entry = queue.peek(); entry !== undefined && entry.scheduledAt <= now && left > 0; entry = queue.peek()) {
      left--;
      if (--untilCheck === 0) {
        untilCheck = CLOCK_CHECK_EVERY;
        if (performance.now() >= deadline) left = 0;
      }
      if (entry.expiresAt > now) {
        queue.reschedule(entry, entry.expiresAt); // a heartbeat extended it since it was scheduled
        continue;
      }
      queue.popDue(now);
      if (entry.kind === 'present') this.remove(entry, 'timeout', at);
      else this.takeParked(entry.channel, entry.uuid);
    }
    return !queue.isDue(now);
  }

  /** @internal Drops a parked state to make room for a newer one (see {@link ParkedStates}). */
  dropParked(entry: ParkedState): void {
    if (this.takeParked(entry.channel, entry.uuid) !== entry) this.parkedStates.forget(entry);
  }

  /**
   * Whole ms from {@link PresenceStore.epoch} to the clock reading `at`, rounded down: what a
   * deadline is compared with. Math.floor last: it hands back a small integer as such, where a
   * subtraction of two large numbers gives a boxed number even when the result is small (and the
   * records' fields would then box every deadline again).
   */
  private elapsed(at: number): number {
    return Math.floor(at - this.epoch);
  }

  /**
   * The deadline `ms` after the clock reading `at`, in whole ms from the epoch, rounded up: with a
   * fractional clock a record expires up to 1 ms late, never early.
   */
  private deadline(at: number, ms: number): number {
    return Math.ceil(at - this.epoch) + ms;
  }

  private takeParked(channel: string, uuid: string): ParkedState | undefined {
    const ofChannel = this.parked.get(channel);
    const entry = ofChannel?.get(uuid);
    if (!entry) return undefined;
    ofChannel!.delete(uuid);
    if (ofChannel!.size === 0) this.parked.delete(channel);
    this.queue.remove(entry);
    this.parkedStates.forget(entry);
    return entry;
  }

  private remove(occupant: Occupant, action: 'leave' | 'timeout', at: number): void {
    const { channel, uuid } = occupant;
    const occupants = this.channels.get(channel)!;
    occupants.delete(uuid);
    if (occupants.size === 0) this.channels.delete(channel);
    this.occupantCount--;
    this.channelsByUuid.delete(uuid, channel);
    this.queue.remove(occupant);
    this.event(channel, action, uuid, occupants.size, occupant.state, at);
  }

  private event(
    channel: string,
    action: EmulatorPresenceEvent['action'],
    uuid: string,
    occupancy: number,
    data: StoredState | undefined,
    at: number,
  ): void {
    const timestamp = Math.floor(at / 1000);
    this.emit(
      data === undefined
        ? { subscribeKey: this.subscribeKey, channel, action, uuid, occupancy, timestamp }
        : { subscribeKey: this.subscribeKey, channel, action, uuid, occupancy, timestamp, data },
    );
  }
}
