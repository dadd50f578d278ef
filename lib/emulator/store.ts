import { ExpiryQueue, type Deadline } from './expiry-queue';
import type { EmulatorClock, EmulatorPresenceEvent } from './types';

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
 * A (channel, uuid) record with a deadline. `scheduledAt` is the deadline the queue currently holds
 * for it; `expiresAt` may have moved later since (see {@link PresenceStore.expire}).
 */
interface Timed {
  readonly channel: string;
  readonly uuid: string;
  expiresAt: number;
  scheduledAt: number;
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
 */
interface ParkedState extends Timed {
  readonly kind: 'parked';
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

/** How many stale queue entries we tolerate beyond the live ones before compacting. */
const COMPACTION_SLACK = 1024;

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
 * - `uuid → channels`, so where-now costs the uuid's channels, not all channels;
 * - one {@link ExpiryQueue} deadline per record: a heartbeat that only pushes the deadline later
 *   does not touch the queue; when the old deadline pops we re-queue at the current one. So the
 *   queue holds about one entry per occupant and expiry costs O(log n) per expiring entry.
 *
 * Events carry the occupancy *after* the change, as the service's do.
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
  private readonly channelsByUuid = new Map<string, Set<string>>();
  private readonly parked = new Map<string, Map<string, ParkedState>>();
  private readonly queue = new ExpiryQueue<Entry>();
  private occupantCount = 0;
  private parkedCount = 0;

  /**
   * @param subscribeKey - Copied into every event.
   * @param clock - Time source for deadlines and event timestamps.
   * @param emit - Receives join / leave / timeout / state-change.
   * @param parkedStateSeconds - How long state set for an absent uuid is kept; also the presence
   *   timeout of a newcomer whose heartbeat gives none.
   */
  constructor(
    readonly subscribeKey: string,
    private readonly clock: EmulatorClock,
    private readonly emit: PresenceEventSink,
    private readonly parkedStateSeconds: number,
  ) {}

  /** Total (channel, uuid) pairs present. */
  get size(): number {
    return this.occupantCount;
  }

  /** Deadlines held by the expiry queue, stale ones included; compaction keeps it under twice the live records plus a constant. */
  get queuedDeadlines(): number {
    return this.queue.size;
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
    const now = this.clock.now();
    const givenMs = timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000;
    for (const channel of channels) {
      const given = states?.get(channel);
      const newState = given === undefined || isEmpty(given) ? undefined : given;
      let occupants = this.channels.get(channel);
      const existing = occupants?.get(uuid);
      if (existing) {
        if (givenMs !== undefined) existing.timeoutMs = givenMs;
        const expiresAt = now + existing.timeoutMs;
        existing.expiresAt = expiresAt;
        // Only a shorter timeout needs a new queue entry; a later one is picked up lazily.
        if (expiresAt < existing.scheduledAt) this.schedule(existing, expiresAt);
        if (given !== undefined && !sameState(existing.state, newState)) {
          existing.state = newState;
          this.event(channel, 'state-change', uuid, occupants!.size, newState ?? {}, now);
        }
        continue;
      }
      const parked = this.takeParked(channel, uuid);
      const timeoutMs = givenMs ?? this.parkedStateSeconds * 1000;
      const expiresAt = now + timeoutMs;
      const occupant: Occupant = {
        kind: 'present', channel, uuid, expiresAt, scheduledAt: expiresAt, timeoutMs,
        state: given !== undefined ? newState : parked?.state,
      };
      if (!occupants) this.channels.set(channel, (occupants = new Map()));
      occupants.set(uuid, occupant);
      this.occupantCount++;
      let ofUuid = this.channelsByUuid.get(uuid);
      if (!ofUuid) this.channelsByUuid.set(uuid, (ofUuid = new Set()));
      ofUuid.add(channel);
      this.queue.push(expiresAt, occupant);
      this.event(channel, 'join', uuid, occupants.size, occupant.state, now);
    }
    this.compactIfStale();
  }

  /** Removes `uuid` from each channel at once, emitting `leave` and dropping its state there. */
  leave(uuid: string, channels: Iterable<string>): void {
    const now = this.clock.now();
    for (const channel of channels) {
      this.takeParked(channel, uuid);
      const occupant = this.channels.get(channel)?.get(uuid);
      if (occupant) this.remove(occupant, 'leave', now);
    }
    this.compactIfStale();
  }

  /**
   * Sets `uuid`'s state on each channel. Where the uuid is present this emits `state-change`
   * (every call, as the service does); elsewhere the state waits for the uuid to arrive. An empty
   * object clears the state.
   */
  setState(uuid: string, channels: Iterable<string>, state: StoredState): void {
    const now = this.clock.now();
    const newState = isEmpty(state) ? undefined : state;
    for (const channel of channels) {
      const occupants = this.channels.get(channel);
      const occupant = occupants?.get(uuid);
      if (occupant) {
        occupant.state = newState;
        this.event(channel, 'state-change', uuid, occupants!.size, state, now);
        continue;
      }
      this.takeParked(channel, uuid);
      if (!newState) continue;
      const expiresAt = now + this.parkedStateSeconds * 1000;
      let ofChannel = this.parked.get(channel);
      if (!ofChannel) this.parked.set(channel, (ofChannel = new Map()));
      const entry: ParkedState = { kind: 'parked', channel, uuid, expiresAt, scheduledAt: expiresAt, state: newState };
      ofChannel.set(uuid, entry);
      this.parkedCount++;
      this.queue.push(expiresAt, entry);
    }
    this.compactIfStale();
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
    return [...(this.channelsByUuid.get(uuid) ?? [])];
  }

  /**
   * Times out what is due, emitting `timeout`: at most `budget` queue entries, so a caller can
   * spread a mass timeout over several turns of the event loop. Costs O(log n) per entry looked
   * at; nothing when nothing is due.
   *
   * @returns `true` when nothing due is left.
   */
  expire(budget = Infinity): boolean {
    const now = this.clock.now();
    let left = budget;
    for (let due = this.queue.popDue(now); due; due = left > 0 ? this.queue.popDue(now) : undefined) {
      left--;
      const entry = due.item;
      if (!this.isCurrent(entry) || entry.scheduledAt !== due.at) continue; // stale deadline
      if (entry.expiresAt > now) {
        this.schedule(entry, entry.expiresAt); // a heartbeat extended it since it was queued
        continue;
      }
      if (entry.kind === 'present') this.remove(entry, 'timeout', now);
      else this.takeParked(entry.channel, entry.uuid);
    }
    return !this.queue.isDue(now);
  }

  private schedule(entry: Entry, at: number): void {
    entry.scheduledAt = at;
    this.queue.push(at, entry);
  }

  private isCurrent(entry: Entry): boolean {
    const map = entry.kind === 'present' ? this.channels : this.parked;
    return map.get(entry.channel)?.get(entry.uuid) === entry;
  }

  private takeParked(channel: string, uuid: string): ParkedState | undefined {
    const ofChannel = this.parked.get(channel);
    const entry = ofChannel?.get(uuid);
    if (!entry) return undefined;
    ofChannel!.delete(uuid);
    if (ofChannel!.size === 0) this.parked.delete(channel);
    this.parkedCount--;
    return entry;
  }

  private remove(occupant: Occupant, action: 'leave' | 'timeout', now: number): void {
    const { channel, uuid } = occupant;
    const occupants = this.channels.get(channel)!;
    occupants.delete(uuid);
    if (occupants.size === 0) this.channels.delete(channel);
    this.occupantCount--;
    const ofUuid = this.channelsByUuid.get(uuid)!;
    ofUuid.delete(channel);
    if (ofUuid.size === 0) this.channelsByUuid.delete(uuid);
    this.event(channel, action, uuid, occupants.size, occupant.state, now);
  }

  /**
   * Leaves and shortened timeouts leave dead entries in the queue until their deadline. Rebuilding
   * from the live records once the dead ones outnumber them keeps memory proportional to presence
   * (amortised O(1) per operation) even under join/leave churn.
   */
  private compactIfStale(): void {
    const live = this.occupantCount + this.parkedCount;
    if (this.queue.size <= 2 * live + COMPACTION_SLACK) return;
    const deadlines: Deadline<Entry>[] = [];
    for (const map of [this.channels, this.parked] as Map<string, Map<string, Entry>>[]) {
      for (const entries of map.values()) {
        for (const entry of entries.values()) deadlines.push({ at: entry.scheduledAt, item: entry });
      }
    }
    this.queue.rebuild(deadlines);
  }

  private event(
    channel: string,
    action: EmulatorPresenceEvent['action'],
    uuid: string,
    occupancy: number,
    data: StoredState | undefined,
    now: number,
  ): void {
    const timestamp = Math.floor(now / 1000);
    this.emit(
      data === undefined
        ? { subscribeKey: this.subscribeKey, channel, action, uuid, occupancy, timestamp }
        : { subscribeKey: this.subscribeKey, channel, action, uuid, occupancy, timestamp, data },
    );
  }
}
