import { performance } from 'node:perf_hooks';
import type { EmulatorClock } from '../types';
import { ChannelGroups, MAX_CHANNELS_PER_GROUP } from './channel-groups';
import { ParkedStates } from './parked-states';
import { PresenceStore, type PresenceEventSink } from './store';

/**
 * Everything the emulator holds for one subscribe key.
 *
 * @example
 * ```ts
 * const { presence, groups }: Keyspace = keyspaces.write('demo');
 * groups.add('cg', ['lobby']);
 * presence.heartbeat('alice', groups.expand(['cg']), 60);
 * ```
 */
export interface Keyspace {
  readonly presence: PresenceStore;
  readonly groups: ChannelGroups;
}

/**
 * Limits every keyspace shares.
 *
 * @example
 * ```ts
 * const limits: KeyspaceLimits = { maxChannelsPerGroup: 2000, maxParkedStates: 10_000 };
 * ```
 */
interface KeyspaceLimits {
  /** Most channels in one channel group; default {@link MAX_CHANNELS_PER_GROUP}. */
  readonly maxChannelsPerGroup?: number;
  /** Most parked states over all keyspaces; default `MAX_PARKED_STATES`. */
  readonly maxParkedStates?: number;
}

/**
 * All subscribe keys' presence and channel groups, created on first write and dropped once they
 * hold nothing (see {@link Keyspaces.evictSteps}), so keys that come and go leave nothing behind.
 *
 * Reads of a key nobody wrote to answer from one shared empty keyspace, so requests with random
 * subscribe keys (typos, scanners) do not allocate anything that lives on.
 *
 * @example
 * ```ts
 * const keyspaces = new Keyspaces({ now: Date.now }, console.log, 300);
 * keyspaces.write('demo').presence.heartbeat('alice', ['lobby'], 60);
 * keyspaces.read('demo').presence.whereNow('alice'); // ['lobby']
 * keyspaces.read('other').presence.whereNow('alice'); // []
 * ```
 */
export class Keyspaces {
  private readonly byKey = new Map<string, Keyspace>();
  private readonly empty: Keyspace;
  private readonly maxChannelsPerGroup: number;
  /** Parked states of every keyspace, capped together. */
  readonly parkedStates: ParkedStates;

  /**
   * @param clock - Shared by every store.
   * @param emit - Receives every key's presence events.
   * @param defaultPresenceTimeout - Seconds; also how long state for an absent uuid is kept.
   * @param limits - Channels per group, parked states.
   */
  constructor(
    private readonly clock: EmulatorClock,
    private readonly emit: PresenceEventSink,
    readonly defaultPresenceTimeout: number,
    limits: KeyspaceLimits = {},
  ) {
    this.maxChannelsPerGroup = limits.maxChannelsPerGroup ?? MAX_CHANNELS_PER_GROUP;
    this.parkedStates = new ParkedStates(limits.maxParkedStates);
    this.empty = this.create('');
  }

  /** Keyspaces held. */
  get size(): number {
    return this.byKey.size;
  }

  /** The keyspace of `subscribeKey`, created if needed: for requests that change something. */
  write(subscribeKey: string): Keyspace {
    let keyspace = this.byKey.get(subscribeKey);
    if (!keyspace) this.byKey.set(subscribeKey, (keyspace = this.create(subscribeKey)));
    return keyspace;
  }

  /** The keyspace of `subscribeKey`, or an empty one: for requests that only read. */
  read(subscribeKey: string): Keyspace {
    return this.byKey.get(subscribeKey) ?? this.empty;
  }

  /**
   * Expires due presence in every keyspace, looking at no more than `budget` deadlines in all and
   * stopping once `timeBudgetMs` have passed (checked every few dozen deadlines).
   *
   * @returns `true` when nothing due is left anywhere.
   */
  sweep(budget = Infinity, timeBudgetMs = Infinity): boolean {
    let deadline = Infinity;
    let drained = true;
    for (const keyspace of this.byKey.values()) {
      const { presence } = keyspace;
      if (!presence.hasDue()) continue;
      // The clock is only read once there is work: most calls (one per request) find none.
      if (deadline === Infinity && timeBudgetMs !== Infinity) deadline = performance.now() + timeBudgetMs;
      // Give each keyspace an equal share of the count so one busy key cannot starve the others.
      if (presence.expire(budget / this.byKey.size, deadline)) continue;
      drained = false;
      if (performance.now() < deadline) continue; // its share of the count ran out, not the time
      // Out of time: this key goes last, so the next slice starts with the others.
      this.byKey.delete(presence.subscribeKey);
      this.byKey.set(presence.subscribeKey, keyspace);
      return false;
    }
    return drained;
  }

  /**
   * Drops every keyspace that holds nothing (no occupant, no parked state, no channel group), one
   * step per keyspace looked at, so that a caller can spread the work over several turns. A
   * keyspace is only ever used within one request, so dropping one between requests is safe; the
   * next write creates it afresh.
   *
   * @example
   * ```ts
   * for (const _ of keyspaces.evictSteps()); // all at once
   * ```
   */
  *evictSteps(): Generator<void, void, undefined> {
    // Map iterators see deletions made while they run.
    for (const [subscribeKey, keyspace] of this.byKey) {
      if (keyspace.presence.isEmpty && keyspace.groups.isEmpty) this.byKey.delete(subscribeKey);
      yield;
    }
  }

  private create(subscribeKey: string): Keyspace {
    return {
      presence: new PresenceStore(subscribeKey, this.clock, this.emit, this.defaultPresenceTimeout, this.parkedStates),
      groups: new ChannelGroups(this.maxChannelsPerGroup),
    };
  }
}
