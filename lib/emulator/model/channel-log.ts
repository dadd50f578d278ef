import { Chunked, chunkOf } from './chunked';
import type { RingBlocks } from './ring-blocks';
import { UuidLists } from './uuid-lists';

/**
 * The `d` of a presence message, exactly as it goes on the wire.
 *
 * @example
 * ```ts
 * const join: PresencePayload = { action: 'join', uuid: 'alice', timestamp: 1900000000, precise_timestamp: 1900000000123, occupancy: 1 };
 * ```
 */
export type PresencePayload = Readonly<Record<string, unknown>>;

/**
 * One message published on `<channel>-pnpres`, as a subscriber gets it.
 *
 * @example
 * ```ts
 * const message: FeedMessage = { timetoken: 19000000000000000n, channel: 'lobby', payload: join };
 * ```
 */
export interface FeedMessage {
  readonly timetoken: bigint;
  /** The channel, without the `-pnpres` suffix. */
  readonly channel: string;
  readonly payload: PresencePayload;
}

/**
 * A join, leave, timeout or state-change as the feed stores it: the fields of its payload, which
 * is built when it is delivered.
 *
 * @example
 * ```ts
 * const join: Announcement = { action: 'join', uuid: 'alice', timestamp: 1900000000, precise: 1900000000123, occupancy: 1, data: undefined };
 * ```
 */
export interface Announcement {
  readonly action: 'join' | 'leave' | 'timeout' | 'state-change';
  readonly uuid: string;
  /** Unix seconds. */
  readonly timestamp: number;
  /** Unix milliseconds (`precise_timestamp`). */
  readonly precise: number;
  readonly occupancy: number;
  /** The state, when the message carries one. */
  readonly data: unknown;
}

/**
 * An `interval` message as the feed stores it: the fields of its payload, which is built when it
 * is delivered.
 *
 * @example
 * ```ts
 * const message: IntervalMessage = { timestamp: 1900000000, occupancy: 25, deltas: { join: ['u21'], leave: [], timeout: [] } };
 * const refresh: IntervalMessage = { timestamp: 1900000000, occupancy: 25 }; // here_now_refresh
 * ```
 */
export interface IntervalMessage {
  /** Unix seconds. */
  readonly timestamp: number;
  readonly occupancy: number;
  /** Who joined, left and timed out; absent when they would not fit, and the message says `here_now_refresh`. */
  readonly deltas?: Readonly<Record<'join' | 'leave' | 'timeout', readonly string[]>>;
}

/**
 * The payload of an `interval` message as the service sends it: its non-empty `join` / `leave` /
 * `timeout` arrays in that order, or `here_now_refresh: true` without deltas.
 *
 * @example
 * ```ts
 * intervalPayload({ timestamp: 1900000000, occupancy: 25, deltas: { join: ['u21'], leave: [], timeout: [] } });
 * // { action: 'interval', timestamp: 1900000000, occupancy: 25, join: ['u21'] }
 * ```
 */
export function intervalPayload({ timestamp, occupancy, deltas }: IntervalMessage): PresencePayload {
  if (deltas === undefined) return { action: 'interval', timestamp, occupancy, here_now_refresh: true };
  const payload: Record<string, unknown> = { action: 'interval', timestamp, occupancy };
  if (deltas.join.length > 0) payload.join = deltas.join;
  if (deltas.leave.length > 0) payload.leave = deltas.leave;
  if (deltas.timeout.length > 0) payload.timeout = deltas.timeout;
  return payload;
}

const ANNOUNCED: readonly Announcement['action'][] = ['join', 'leave', 'timeout', 'state-change'];
const ANNOUNCED_CODES: Readonly<Record<Announcement['action'], number>> = { join: 0, leave: 1, timeout: 2, 'state-change': 3 };
/** The codes of an `interval` message's slot: with its deltas (in {@link UuidLists}), or `here_now_refresh`. */
const INTERVAL = 4;
const REFRESH = 5;
/** The code of a released slot: releasing it again does nothing. */
const FREE = 255;

/**
 * Every channel's buffered messages of one feed, column by column: the timetoken, the action, the
 * timestamps and the occupancy in typed chunks (outside the JavaScript heap), the uuid and the
 * state in chunks of references: {@link Chunked} columns; an `interval` message's uuid lists in
 * {@link UuidLists}. A message is a slot number; the object a subscriber receives is built when it
 * is delivered.
 *
 * Why: a mass timeout buffers hundreds of thousands of messages within seconds. Stored as objects
 * (a message, its payload and its BigInt timetoken, in per-channel arrays growing by `push`), each
 * survived V8's young generation and had to be copied out of it: scavenges of 20–25 ms at a
 * million occupants. Storing one here allocates nothing that lives on. Freed slots are reused.
 *
 * @example
 * ```ts
 * const slots = new MessageSlots();
 * const slot = slots.announce(19000000000000000n, join);
 * slots.message(slot, 'lobby'); // { timetoken: 19000000000000000n, channel: 'lobby', payload: { action: 'join', … } }
 * slots.release(slot);
 * ```
 */
export class MessageSlots {
  /** Signed 64 bits: timetokens (ms × 10,000) fit until the year 29,000 or so. */
  private readonly tokens = new Chunked(chunkOf.bigint64, 0n);
  private readonly codes = new Chunked(chunkOf.uint8, 0);
  private readonly timestamps = new Chunked(chunkOf.float64, 0);
  private readonly precise = new Chunked(chunkOf.float64, 0);
  private readonly occupancy = new Chunked(chunkOf.float64, 0);
  /** The uuid of an announcement. */
  private readonly refs = new Chunked(chunkOf.refs<string>, undefined);
  private readonly data = new Chunked(chunkOf.refs<unknown>, undefined);
  /** Where an interval message's lists are in {@link MessageSlots.lists}. */
  private readonly listsAt = new Chunked(chunkOf.float64, 0);
  private readonly lists = new UuidLists((slot, at) => this.listsAt.set(slot, at));
  /** Slots ever used; below it, the freed ones wait in `free`. */
  private used = 0;
  private readonly free = new Chunked(chunkOf.int32, 0);
  private freeCount = 0;

  /** Slots holding a message. */
  get size(): number {
    return this.used - this.freeCount;
  }

  /** Entries the interval messages' uuid lists hold, live or not (for tests of the memory bound). */
  get listEntriesHeld(): number {
    return this.lists.entriesHeld;
  }

  /** Stores a join / leave / timeout / state-change; returns its slot. */
  announce(timetoken: bigint, announcement: Announcement): number {
    const slot = this.take(timetoken, ANNOUNCED_CODES[announcement.action]);
    this.timestamps.set(slot, announcement.timestamp);
    this.precise.set(slot, announcement.precise);
    this.occupancy.set(slot, announcement.occupancy);
    this.refs.set(slot, announcement.uuid);
    if (announcement.data !== undefined) this.data.set(slot, announcement.data);
    return slot;
  }

  /** Stores an `interval` message; returns its slot. */
  storeInterval(timetoken: bigint, message: IntervalMessage): number {
    const { deltas } = message;
    const slot = this.take(timetoken, deltas === undefined ? REFRESH : INTERVAL);
    this.timestamps.set(slot, message.timestamp);
    this.occupancy.set(slot, message.occupancy);
    // Set after the add: the lists may move later (the callback updates this), never during it.
    if (deltas !== undefined) this.listsAt.set(slot, this.lists.add(slot, [deltas.join, deltas.leave, deltas.timeout]));
    return slot;
  }

  timetoken(slot: number): bigint {
    return this.tokens.get(slot);
  }

  /** The message in `slot`, as delivered: the payload in the key order of captured service messages. */
  message(slot: number, channel: string): FeedMessage {
    const timetoken = this.tokens.get(slot);
    const code = this.codes.get(slot);
    const timestamp = this.timestamps.get(slot);
    if (code === INTERVAL || code === REFRESH) return { timetoken, channel, payload: intervalPayload(this.interval(slot, code, timestamp)) };
    const action = ANNOUNCED[code];
    const uuid = this.refs.get(slot)!;
    const precise = this.precise.get(slot);
    const occupancy = this.occupancy.get(slot);
    const data = this.data.get(slot);
    const payload =
      data === undefined
        ? { action, uuid, timestamp, precise_timestamp: precise, occupancy }
        : { action, uuid, timestamp, precise_timestamp: precise, data, occupancy };
    return { timetoken, channel, payload };
  }

  /**
   * Frees `slot` for reuse, releasing what it referenced. A slot already free is left alone: a
   * second release would free the slot twice and release another message's uuid lists.
   */
  release(slot: number): void {
    const code = this.codes.get(slot);
    if (code === FREE || slot >= this.used) return;
    if (code === INTERVAL) this.lists.release(this.listsAt.get(slot));
    this.codes.set(slot, FREE);
    this.refs.set(slot, undefined);
    if (this.data.get(slot) !== undefined) this.data.set(slot, undefined);
    this.free.set(this.freeCount++, slot);
    if (this.freeCount === this.used) {
      // Nothing held: start over, and let most of the chunks go.
      for (const column of [this.tokens, this.codes, this.timestamps, this.precise, this.occupancy, this.refs, this.data, this.listsAt, this.free]) column.clear();
      this.lists.clear();
      this.used = 0;
      this.freeCount = 0;
    }
  }

  /** The `interval` message stored in `slot`. */
  private interval(slot: number, code: number, timestamp: number): IntervalMessage {
    const occupancy = this.occupancy.get(slot);
    if (code === REFRESH) return { timestamp, occupancy };
    const [join, leave, timeout] = this.lists.read(this.listsAt.get(slot));
    return { timestamp, occupancy, deltas: { join, leave, timeout } };
  }

  private take(timetoken: bigint, code: number): number {
    const slot = this.freeCount > 0 ? this.free.get(--this.freeCount) : this.used++;
    this.tokens.set(slot, timetoken);
    this.codes.set(slot, code);
    return slot;
  }
}

/**
 * The last `capacity` messages of one channel, oldest first, in timetoken order (they are appended
 * in the order they are issued): a ring of slot numbers in the feed's {@link MessageSlots}, kept in
 * a block of the feed's {@link RingBlocks}. The ring starts at 8 and doubles up to `capacity`;
 * appending to a full ring releases the oldest.
 *
 * @example
 * ```ts
 * const log = new ChannelLog(slots, blocks, 'lobby', 2);
 * log.push(s1); log.push(s2); log.push(s3); // s1 is released
 * log.since(t1, 100);                        // [message of s2, message of s3] (t1: s1's timetoken)
 * log.release();                             // every message released, the block given back
 * ```
 */
export class ChannelLog {
  /** Where the ring's block starts in `blocks`, and the ring's length (0: no block yet). */
  private at = 0;
  private length = 0;
  /** Index in the ring of the oldest message. */
  private head = 0;
  private count = 0;
  /** When the last message was added (clock ms), for retention. */
  lastAt = 0;

  constructor(
    private readonly slots: MessageSlots,
    private readonly blocks: RingBlocks,
    private readonly channel: string,
    /** At least 1 (the emulator's settings see to it). */
    private readonly capacity: number,
  ) {}

  push(slot: number): void {
    if (this.count === this.capacity) {
      this.slots.release(this.slotAt(0));
      this.blocks.set(this.at + this.head, slot);
      this.head = (this.head + 1) % this.length; // a full ring is `capacity` long
      return;
    }
    if (this.count === this.length) this.grow(Math.min(this.capacity, Math.max(8, this.length * 2)));
    this.blocks.set(this.at + ((this.head + this.count) % this.length), slot);
    this.count++;
  }

  /** Up to `limit` messages with a timetoken after `after`, oldest first: O(log n + limit). */
  since(after: bigint, limit: number): FeedMessage[] {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.slots.timetoken(this.slotAt(mid)) > after) hi = mid;
      else lo = mid + 1;
    }
    const found: FeedMessage[] = [];
    for (let i = lo; i < this.count && found.length < limit; i++) found.push(this.slots.message(this.slotAt(i), this.channel));
    return found;
  }

  /** Releases every message and gives the block back (the log is being dropped). */
  release(): void {
    for (let i = 0; i < this.count; i++) this.slots.release(this.slotAt(i));
    if (this.length > 0) this.blocks.give(this.at, this.length);
    this.length = 0;
    this.count = 0;
    this.head = 0;
  }

  /** The slot of the `index`th oldest message. */
  private slotAt(index: number): number {
    return this.blocks.get(this.at + ((this.head + index) % this.length));
  }

  /** Moves the ring, oldest first, to a block of `length`. */
  private grow(length: number): void {
    const at = this.blocks.take(length);
    for (let i = 0; i < this.count; i++) this.blocks.set(at + i, this.slotAt(i));
    if (this.length > 0) this.blocks.give(this.at, this.length);
    this.at = at;
    this.length = length;
    this.head = 0;
  }
}
