import { presenceChannelOf } from '../../protocol/presence-channels';
import type { EmulatorClock, EmulatorPresenceEvent } from '../types';
import type { ChannelGroups } from './channel-groups';
import { ChannelLog, type FeedMessage, MessageSlots } from './channel-log';
import { DeltaJournal, IntervalDeltas, intervalMessage } from './interval-deltas';
import { RingBlocks } from './ring-blocks';
import type { TimetokenSource } from './timetoken';

/**
 * How long a channel's presence messages are kept for catch-up after the last one was published,
 * by default: 20 minutes, the longest the service keeps messages for a reconnecting subscriber.
 * Then the channel's buffer is dropped (a subscriber coming back later gets what follows, and
 * repairs with a here-now as after any gap). Change it with `EmulatorOptions.eventRetentionMs`.
 *
 * @example
 * ```ts
 * import { EVENT_RETENTION_MS } from 'rx-presence/emulator';
 * const stillThere = Date.now() - lastEventAt < EVENT_RETENTION_MS;
 * ```
 */
export const EVENT_RETENTION_MS = 20 * 60_000;

/**
 * A message as one subscriber receives it: `subscription` is the envelope's `b`, the name it
 * subscribed to that matched (`lobby-pnpres`, or `group-pnpres` for a channel group).
 *
 * @example
 * ```ts
 * const delivery: Delivery = { message, subscription: 'rooms-pnpres' };
 * ```
 */
export interface Delivery {
  readonly message: FeedMessage;
  readonly subscription: string;
}

/**
 * Which presence a subscriber watches: channel and group names *without* `-pnpres`.
 *
 * @example
 * ```ts
 * // from `/v2/subscribe/demo/lobby,lobby-pnpres/0?channel-group=rooms-pnpres`
 * const watch: FeedWatch = { channels: ['lobby'], groups: ['rooms'] };
 * ```
 */
export interface FeedWatch {
  readonly channels: readonly string[];
  readonly groups: readonly string[];
}

/**
 * A held subscribe waiting for messages; the feed calls `notify` (synchronously, possibly many
 * times) when something it watches was published.
 *
 * @example
 * ```ts
 * const watcher: FeedWatcher = { subscribeKey: 'demo', watch, notify: () => setImmediate(answer) };
 * ```
 */
export interface FeedWatcher {
  readonly subscribeKey: string;
  readonly watch: FeedWatch;
  notify(): void;
}

/**
 * How the feed is set up.
 *
 * @example
 * ```ts
 * const options: FeedOptions = { announceMax: 20, eventBufferSize: 1000, clock, timetokens, groupsOf: (key) => keyspaces.read(key).groups };
 * ```
 */
interface FeedOptions {
  /** Above this occupancy a channel is in interval mode. */
  readonly announceMax: number;
  /** Messages kept per channel for catch-up. */
  readonly eventBufferSize: number;
  /**
   * How long (clock ms) a channel's messages are kept after its last one was published; then
   * {@link PresenceFeed.evictSteps} drops them. Default {@link EVENT_RETENTION_MS}.
   */
  readonly eventRetentionMs?: number;
  readonly clock: EmulatorClock;
  readonly timetokens: TimetokenSource;
  /** The channel registry of a subscribe key, for group subscriptions. */
  groupsOf(subscribeKey: string): ChannelGroups;
}

/** The journal size below which {@link PresenceFeed.compactJournal} is not worth a look. */
const COMPACT_MIN_ENTRIES = 65_536;

/** Everything the feed holds for one subscribe key. */
interface KeyFeed {
  readonly logs: Map<string, ChannelLog>;
  /** Channels in interval mode, with what changed since their last `interval` event. */
  readonly intervals: Map<string, IntervalDeltas>;
  readonly channelWatchers: Map<string, Set<FeedWatcher>>;
  readonly groupWatchers: Map<string, Set<FeedWatcher>>;
}

const addTo = <K, V>(map: Map<K, Set<V>>, key: K, value: V): void => {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
};

const removeFrom = <K, V>(map: Map<K, Set<V>>, key: K, value: V): void => {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
};

/**
 * What the service publishes on `<channel>-pnpres`, built from the store's presence changes.
 *
 * - **Announce mode** (occupancy ≤ `announceMax`): each join, leave, timeout and state-change is
 *   one message.
 * - **Interval mode** (occupancy after the change > `announceMax`): join / leave / timeout are
 *   collected and {@link PresenceFeed.tick} publishes one `interval` message per channel with the
 *   occupancy and the `join` / `leave` / `timeout` arrays (empty ones omitted), or
 *   `here_now_refresh: true` when they would exceed {@link INTERVAL_DELTAS_MAX_BYTES}. The change
 *   that brings a channel back to announce mode first flushes what is pending as an `interval`
 *   message, then is announced itself. State changes are always announced individually: an
 *   interval message has no place for state.
 * - Every message gets a fresh timetoken and goes into a per-channel ring of `eventBufferSize`, so
 *   a subscriber that comes back with its last timetoken gets everything after it still held.
 *
 * @example
 * ```ts
 * const feed = new PresenceFeed({ announceMax: 20, eventBufferSize: 1000, clock, timetokens, groupsOf });
 * feed.publish({ subscribeKey: 'demo', channel: 'lobby', action: 'join', uuid: 'alice', occupancy: 1, timestamp: 1900000000 });
 * feed.collect('demo', { channels: ['lobby'], groups: [] }, 0n, 100); // [{ message, subscription: 'lobby-pnpres' }]
 * ```
 */
export class PresenceFeed {
  private readonly keys = new Map<string, KeyFeed>();
  /** Where every channel's interval deltas are kept; emptied when none is pending (see {@link DeltaJournal}). */
  private readonly journal = new DeltaJournal();
  /** Channels in interval mode, over every key (kept, not counted: it is read on every channel that leaves the mode). */
  private intervalCount = 0;
  /** When the journal has grown to this size, see whether most of it is dead (see {@link PresenceFeed.compactJournal}). */
  private compactAt = COMPACT_MIN_ENTRIES;
  /** Passes begun; a pass stops when a newer one has begun (it covers the rest). */
  private passes = 0;
  /** Every channel's buffered messages (see {@link MessageSlots}). */
  private readonly slots = new MessageSlots();
  /** Where the channels' rings of slots are kept (see {@link RingBlocks}). */
  private readonly blocks = new RingBlocks();

  constructor(private readonly options: FeedOptions) {}

  /** Takes one change from the store: announces it, or adds it to its channel's interval deltas. */
  publish(event: EmulatorPresenceEvent): void {
    const key = this.keyFeed(event.subscribeKey, true)!;
    const { channel, action, occupancy } = event;
    const deltas = key.intervals.get(channel);
    if (action === 'state-change') {
      if (deltas) deltas.occupancy = occupancy;
      this.append(event.subscribeKey, key, channel, this.storeAnnouncement(event));
      return;
    }
    if (occupancy > this.options.announceMax) {
      if (deltas) {
        deltas.occupancy = occupancy;
        deltas.add(action, event.uuid);
      } else {
        const fresh = new IntervalDeltas(this.journal, occupancy);
        fresh.add(action, event.uuid);
        key.intervals.set(channel, fresh);
        this.intervalCount++;
      }
      if (this.journal.size >= this.compactAt) this.compactJournal();
      return;
    }
    if (deltas) {
      // Back to announce mode: what happened in interval mode goes out first.
      key.intervals.delete(channel);
      this.intervalCount--;
      if (deltas.pending) this.append(event.subscribeKey, key, channel, this.storeInterval(deltas));
      if (this.intervalCount === 0) this.journal.clear();
    }
    this.append(event.subscribeKey, key, channel, this.storeAnnouncement(event));
  }

  /**
   * Publishes one `interval` message for every channel in interval mode, one step per channel, so
   * that the emulator can spread a pass over many channels across turns of the event loop (at a
   * million occupants in 10,000 busy channels a pass takes a few hundred milliseconds). Nothing
   * that happens while a pass runs is lost: a change to a channel the pass has not reached yet
   * goes into this pass's message, any other (a channel already done, or one entering interval
   * mode in a subscribe key already done) into the next pass's. A pass that a newer one overtakes
   * (`tick()` while it runs) stops: the newer one covers every channel.
   *
   * @example
   * ```ts
   * for (const _ of feed.tickSteps()); // all at once, as tick() does
   * ```
   */
  *tickSteps(): Generator<void, void, undefined> {
    const pass = ++this.passes;
    const mark = this.journal.mark();
    for (const [subscribeKey, key] of this.keys) {
      for (const [channel, deltas] of key.intervals) {
        if (this.passes !== pass) return;
        const slot = this.storeInterval(deltas);
        deltas.reset();
        this.append(subscribeKey, key, channel, slot);
        yield;
      }
    }
    // Every list begun before the pass was sent: lists still live began after the mark.
    this.journal.releaseBefore(mark);
  }

  /** Publishes every channel's `interval` message now, in one go (see {@link PresenceFeed.tickSteps}). */
  tick(): void {
    for (const _ of this.tickSteps());
  }

  /** Channels of `subscribeKey` now in interval mode. */
  intervalChannels(subscribeKey: string): string[] {
    return [...(this.keys.get(subscribeKey)?.intervals.keys() ?? [])];
  }

  /**
   * Up to `limit` messages after `after` for what `watch` covers, oldest first. A channel watched
   * directly and through a group is delivered once, as the direct subscription; a channel in
   * several watched groups, as the first of them.
   */
  collect(subscribeKey: string, watch: FeedWatch, after: bigint, limit: number): Delivery[] {
    const key = this.keys.get(subscribeKey);
    if (!key || key.logs.size === 0) return [];
    const found: Delivery[] = [];
    const seen = new Set<string>();
    const gather = (channel: string, subscription: string): void => {
      if (seen.has(channel)) return;
      seen.add(channel);
      const log = key.logs.get(channel);
      if (!log) return;
      for (const message of log.since(after, limit)) found.push({ message, subscription });
    };
    for (const channel of watch.channels) gather(channel, presenceChannelOf(channel));
    if (watch.groups.length > 0) {
      const groups = this.options.groupsOf(subscribeKey);
      for (const group of watch.groups) for (const channel of groups.channels(group)) gather(channel, presenceChannelOf(group));
    }
    found.sort((a, b) => (a.message.timetoken < b.message.timetoken ? -1 : a.message.timetoken > b.message.timetoken ? 1 : 0));
    return found.length > limit ? found.slice(0, limit) : found;
  }

  /** Registers a held subscribe to be notified of messages on what it watches. */
  watch(watcher: FeedWatcher): void {
    const key = this.keyFeed(watcher.subscribeKey, true)!;
    for (const channel of watcher.watch.channels) addTo(key.channelWatchers, channel, watcher);
    for (const group of watcher.watch.groups) addTo(key.groupWatchers, group, watcher);
  }

  /** Undoes {@link PresenceFeed.watch}; safe to call twice. */
  unwatch(watcher: FeedWatcher): void {
    const key = this.keyFeed(watcher.subscribeKey, false);
    if (!key) return;
    for (const channel of watcher.watch.channels) removeFrom(key.channelWatchers, channel, watcher);
    for (const group of watcher.watch.groups) removeFrom(key.groupWatchers, group, watcher);
    if (key.logs.size === 0 && key.intervals.size === 0 && key.channelWatchers.size === 0 && key.groupWatchers.size === 0) {
      this.keys.delete(watcher.subscribeKey);
    }
  }

  /** Channels in interval mode, over every key. */
  intervalChannelCount(): number {
    return this.intervalCount;
  }

  /** Interval deltas held in the journal, pending or not yet reclaimed (for leak checks). */
  journalSize(): number {
    return this.journal.size;
  }

  /** Messages buffered, over every channel and key (for leak checks). */
  messageCount(): number {
    return this.slots.size;
  }

  /** Channel message buffers held, over every key. */
  logCount(): number {
    let count = 0;
    for (const key of this.keys.values()) count += key.logs.size;
    return count;
  }

  /**
   * Drops the message buffer of every channel whose last message is older than the retention (see
   * {@link FeedOptions.eventRetentionMs}) at `now`, and a key's bookkeeping once it has nothing
   * left; one step per channel looked at, so that a caller can spread the work over several turns.
   *
   * @example
   * ```ts
   * for (const _ of feed.evictSteps(clock.now())); // all at once
   * ```
   */
  *evictSteps(now: number): Generator<void, void, undefined> {
    const before = now - (this.options.eventRetentionMs ?? EVENT_RETENTION_MS);
    // Map iterators see deletions and additions made while they run (between steps, too).
    for (const [subscribeKey, key] of this.keys) {
      for (const [channel, log] of key.logs) {
        if (log.lastAt <= before) {
          log.release();
          key.logs.delete(channel);
        }
        yield;
      }
      if (key.logs.size === 0 && key.intervals.size === 0 && key.channelWatchers.size === 0 && key.groupWatchers.size === 0) {
        this.keys.delete(subscribeKey);
      }
    }
  }

  /** Held subscribes registered, over every key (for leak checks). */
  watcherCount(): number {
    const all = new Set<FeedWatcher>();
    for (const key of this.keys.values()) {
      for (const set of key.channelWatchers.values()) for (const watcher of set) all.add(watcher);
      for (const set of key.groupWatchers.values()) for (const watcher of set) all.add(watcher);
    }
    return all.size;
  }

  /**
   * Rewrites the journal with only the live lists when most of it is dead. Entries are released
   * by interval passes; between two, a channel that keeps going in and out of interval mode leaves
   * its flushed entries behind, and a long `presenceIntervalMs` would let them pile up. Looked at
   * each time the journal doubles, so it costs O(1) per delta over time.
   */
  private compactJournal(): void {
    let live = 0;
    for (const key of this.keys.values()) for (const deltas of key.intervals.values()) live += deltas.size;
    // Counting is O(channels); the rewrite, O(live entries), only when it frees more than it copies.
    if (live * 2 < this.journal.size) {
      const lists: Array<[IntervalDeltas, ReturnType<IntervalDeltas['lists']>]> = [];
      for (const key of this.keys.values()) for (const deltas of key.intervals.values()) if (deltas.size > 0) lists.push([deltas, deltas.lists()]);
      this.journal.clear();
      for (const [deltas, held] of lists) deltas.restore(held);
    }
    this.compactAt = Math.max(COMPACT_MIN_ENTRIES, 2 * this.journal.size);
  }

  private keyFeed(subscribeKey: string, create: boolean): KeyFeed | undefined {
    let key = this.keys.get(subscribeKey);
    if (!key && create) {
      key = { logs: new Map(), intervals: new Map(), channelWatchers: new Map(), groupWatchers: new Map() };
      this.keys.set(subscribeKey, key);
    }
    return key;
  }

  /** Adds the message stored in `slot` to its channel's buffer and wakes who watches the channel. */
  private append(subscribeKey: string, key: KeyFeed, channel: string, slot: number): void {
    let log = key.logs.get(channel);
    if (!log) key.logs.set(channel, (log = new ChannelLog(this.slots, this.blocks, channel, this.options.eventBufferSize)));
    log.push(slot);
    log.lastAt = this.options.clock.now();
    key.channelWatchers.get(channel)?.forEach((watcher) => watcher.notify());
    if (key.groupWatchers.size === 0) return;
    const groups = this.options.groupsOf(subscribeKey);
    for (const [group, watchers] of key.groupWatchers) {
      if (groups.has(group, channel)) watchers.forEach((watcher) => watcher.notify());
    }
  }

  /** Stores the `interval` message of `deltas`, now, with the next timetoken; returns its slot. */
  private storeInterval(deltas: IntervalDeltas): number {
    return this.slots.storeInterval(this.options.timetokens.next(), intervalMessage(deltas, Math.floor(this.options.clock.now() / 1000)));
  }

  /**
   * Stores a join / leave / timeout / state-change with the next timetoken; returns its slot (the
   * payload is built on delivery, see {@link MessageSlots.message}).
   */
  private storeAnnouncement(event: EmulatorPresenceEvent): number {
    const { action, uuid, timestamp, occupancy, data } = event;
    // The store reports whole seconds; the millisecond part comes from the clock, kept inside that second.
    const base = timestamp * 1000;
    const precise = Math.min(base + 999, Math.max(base, Math.floor(this.options.clock.now())));
    return this.slots.announce(this.options.timetokens.next(), { action, uuid, timestamp, precise, occupancy, data });
  }
}
