/** The emulator's pieces on their own: queue, store, parsing, routing, JSON layout. */
import fc from 'fast-check';
import type { EmulatorPresenceEvent } from '../../lib/emulator';
import { ChannelGroups } from '../../lib/emulator/model/channel-groups';
import { CHUNK_ENTRIES, Chunked, chunkOf } from '../../lib/emulator/model/chunked';
import { type Announcement, ChannelLog, type FeedMessage, type IntervalMessage, MessageSlots } from '../../lib/emulator/model/channel-log';
import { DeadlineHeap } from '../../lib/emulator/model/expiry-queue';
import { DeltaJournal, INTERVAL_DELTAS_MAX_BYTES, IntervalDeltas, intervalMessage } from '../../lib/emulator/model/interval-deltas';
import { EMPTY_CHUNKS_KEPT, RingBlocks } from '../../lib/emulator/model/ring-blocks';
import { RequestQuery } from '../../lib/emulator/pipeline/query';
import { pythonJson, replies } from '../../lib/emulator/pipeline/responses';
import { matchRoute } from '../../lib/emulator/pipeline/router';
import { heartbeatStates } from '../../lib/emulator/endpoints/state-input';
import { PresenceFeed } from '../../lib/emulator/model/presence-feed';
import { CLOCK_CHECK_EVERY, PresenceStore } from '../../lib/emulator/model/store';
import { TimetokenSource } from '../../lib/emulator/model/timetoken';
import { UuidLists } from '../../lib/emulator/model/uuid-lists';
import { ManualClock } from '../helpers/emulator';

describe('DeadlineHeap', () => {
  const record = (scheduledAt: number, id: number) => ({ scheduledAt, heapIndex: -1, id });

  it('pops due deadlines in time order, whatever the push order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000 })), fc.integer({ min: 0, max: 1_000 }), (times, now) => {
        const heap = new DeadlineHeap<ReturnType<typeof record>>();
        times.forEach((at, i) => heap.push(record(at, i)));
        const popped: number[] = [];
        for (let due = heap.popDue(now); due; due = heap.popDue(now)) popped.push(due.scheduledAt);
        expect(popped).toEqual(times.filter((at) => at <= now).sort((a, b) => a - b));
        expect(heap.size).toBe(times.filter((at) => at > now).length);
      }),
    );
  });

  it('removes and re-keys any record in place, keeping the order', () => {
    type Op = { kind: 'push'; at: number } | { kind: 'remove'; pick: number } | { kind: 'reschedule'; pick: number; at: number };
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), at: fc.integer({ min: 0, max: 100 }) }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('reschedule' as const), pick: fc.nat(), at: fc.integer({ min: 0, max: 100 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops: Op[]) => {
        const heap = new DeadlineHeap<ReturnType<typeof record>>();
        const live: ReturnType<typeof record>[] = [];
        ops.forEach((step, id) => {
          if (step.kind === 'push') {
            const item = record(step.at, id);
            heap.push(item);
            live.push(item);
          } else if (live.length > 0) {
            const item = live[step.pick % live.length];
            if (step.kind === 'remove') {
              heap.remove(item);
              heap.remove(item); // twice is harmless
              live.splice(live.indexOf(item), 1);
              expect(item.heapIndex).toBe(-1);
            } else heap.reschedule(item, step.at);
          }
        });
        expect(heap.size).toBe(live.length);
        const popped: number[] = [];
        for (let due = heap.popDue(Infinity); due; due = heap.popDue(Infinity)) popped.push(due.scheduledAt);
        expect(popped).toEqual(live.map((item) => item.scheduledAt).sort((a, b) => a - b));
      }),
    );
  });
});

describe('UuidLists', () => {
  /** Items that name their group and list, so that a mix-up shows. */
  const groupOf = (owner: number, lengths: readonly number[]) => lengths.map((length, k) => new Array<string>(length).fill(`${owner}.${k}`));
  /** Entries a group takes: its owner, its count, its lengths, its items. */
  const entriesOf = (group: readonly string[][]) => 2 + group.length + group.reduce((n, list) => n + list.length, 0);
  /** A group in brief (jest's deep equality over thousands of items is slow): each list's length and name, or 'mixed'. */
  const brief = (group: readonly string[][]) => group.map((list) => (list.every((item) => item === list[0]) ? `${list.length} × ${list[0]}` : 'mixed'));

  it('gives back every live group as it was added, across new chunks, moves out of sparse chunks and releases', () => {
    // List lengths, not lists: fast-check keeps generated arrays short. Groups of up to 3,000
    // entries fill a 16,384-entry chunk in a few adds, so a run begins, leaves and drops many chunks.
    const step = fc.oneof(
      { weight: 3, arbitrary: fc.record({ op: fc.constant('add' as const), lengths: fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 1, maxLength: 3 }) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('release' as const), pick: fc.nat() }) },
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300, size: 'max' }), (steps) => {
        const positions = new Map<number, number>();
        const moved = new Set<number>();
        const lists = new UuidLists((owner, at) => {
          expect(positions.has(owner)).toBe(true);
          positions.set(owner, at);
          moved.add(owner);
        });
        const naive = new Map<number, string[][]>();
        let owners = 0;
        for (const s of steps) {
          moved.clear();
          if (s.op === 'add') {
            const owner = owners++;
            naive.set(owner, groupOf(owner, s.lengths));
            positions.set(owner, lists.add(owner, naive.get(owner)!));
            moved.add(owner);
          } else if (naive.size > 0) {
            const owner = [...naive.keys()][s.pick % naive.size];
            lists.release(positions.get(owner)!);
            positions.delete(owner);
            naive.delete(owner);
          }
          for (const owner of moved) expect(brief(lists.read(positions.get(owner)!))).toEqual(brief(naive.get(owner)!));
        }
        for (const [owner, expected] of naive) expect(brief(lists.read(positions.get(owner)!))).toEqual(brief(expected));
      }),
      { numRuns: 40 },
    );
  });

  it('holds at most 8× the entries live, whether a chunk thins out after it was written or while it was', () => {
    const positions = new Map<number, number>();
    const lists = new UuidLists((owner, at) => positions.set(owner, at));
    const held = (owners: Iterable<number>) => [...owners].reduce((sum, owner) => sum + entriesOf(lists.read(positions.get(owner)!)), 0);
    // What may be held: 8× the entries live, plus the chunk being written.
    const bound = (owners: Iterable<number>) => 16_384 + 8 * held(owners);
    // After: 2,000 groups of 100 entries (about 13 chunks), then all but one in 160 released.
    for (let owner = 0; owner < 2_000; owner++) positions.set(owner, lists.add(owner, groupOf(owner, [98])));
    const kept = new Set<number>();
    for (let owner = 0; owner < 2_000; owner++) {
      if (owner % 160 === 0) kept.add(owner);
      else lists.release(positions.get(owner)!);
    }
    expect(lists.entriesHeld).toBeLessThanOrEqual(bound(kept));
    // While: each group released as soon as it is added, one in 160 kept, so every chunk holds one
    // group by the time the next begins, and no release comes back to it.
    for (let owner = 2_000; owner < 6_000; owner++) {
      positions.set(owner, lists.add(owner, groupOf(owner, [98])));
      if (owner % 160 === 0) kept.add(owner);
      else lists.release(positions.get(owner)!);
    }
    expect(lists.entriesHeld).toBeLessThanOrEqual(bound(kept));
    for (const owner of kept) expect(lists.read(positions.get(owner)!)).toEqual(groupOf(owner, [98]));
  });

  it('gives a group too big for a chunk a chunk of its own, keeps the groups after it apart, and lets emptied chunks go', () => {
    const lists = new UuidLists(() => undefined);
    const big = Array.from({ length: 20_000 }, (_, i) => `u${i}`);
    // The chunk being written, emptied, is not kept when the big group needs one of its own.
    lists.release(lists.add(9, [['z']]));
    const b = lists.add(1, [big]);
    expect(lists.entriesHeld).toBe(20_003);
    const a = lists.add(0, [['a']]);
    const c = lists.add(2, [['c'], ['d']]);
    expect([lists.read(a), lists.read(b), lists.read(c)]).toEqual([[['a']], [big], [['c'], ['d']]]);
    expect(lists.entriesHeld).toBe(20_003 + 16_384);
    lists.release(b);
    expect(lists.entriesHeld).toBe(16_384);
    // An oversized chunk emptied while it is being written is not kept for small groups either.
    lists.release(a);
    lists.release(c);
    const huge = lists.add(3, [Array.from({ length: 100_000 }, () => 'x')]);
    lists.release(huge);
    for (let owner = 4; owner < 40; owner++) lists.add(owner, [['y']]);
    expect(lists.entriesHeld).toBe(16_384);
  });
});

describe('RingBlocks', () => {
  it('hands out blocks that never overlap while in use, keeps what is written, and holds no more than each size needed at its peak', () => {
    const step = fc.oneof(
      { weight: 3, arbitrary: fc.record({ op: fc.constant('take' as const), length: fc.oneof(fc.integer({ min: 1, max: 1_100 }), fc.integer({ min: 1_025, max: 8_192 }), fc.integer({ min: 16_000, max: 40_000 })) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('give' as const), pick: fc.nat() }) },
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200, size: 'max' }), (steps) => {
        const blocks = new RingBlocks();
        const live: { at: number; length: number; mark: number }[] = [];
        const inUse = new Map<number, number>();
        const peak = new Map<number, number>();
        let mark = 0;
        // Each block's first, middle and last entries carry its mark: an overlap overwrites one.
        const probes = (b: { at: number; length: number }) => [b.at, b.at + (b.length >> 1), b.at + b.length - 1];
        for (const s of steps) {
          if (s.op === 'take') {
            const block = { at: blocks.take(s.length), length: s.length, mark: ++mark };
            const size = RingBlocks.sizeFor(s.length);
            expect(size).toBeGreaterThanOrEqual(Math.max(8, s.length));
            expect(size).toBeLessThan(Math.max(16, 2 * s.length));
            // The whole block, not only what was asked for: clear of every live block, and inside
            // one chunk unless it needs several (then from a chunk's start).
            const end = block.at + size;
            expect(live.filter((b) => block.at < b.at + RingBlocks.sizeFor(b.length) && b.at < end)).toEqual([]);
            if (size < CHUNK_ENTRIES) expect(Math.floor(block.at / CHUNK_ENTRIES)).toBe(Math.floor((end - 1) / CHUNK_ENTRIES));
            else expect(block.at % CHUNK_ENTRIES).toBe(0);
            for (const i of probes(block)) blocks.set(i, block.mark);
            live.push(block);
            inUse.set(size, (inUse.get(size) ?? 0) + 1);
            peak.set(size, Math.max(peak.get(size) ?? 0, inUse.get(size)!));
          } else if (live.length > 0) {
            const [block] = live.splice(s.pick % live.length, 1);
            blocks.give(block.at, block.length);
            const size = RingBlocks.sizeFor(block.length);
            inUse.set(size, inUse.get(size)! - 1);
          }
          expect(live.filter((b) => probes(b).some((i) => blocks.get(i) !== b.mark))).toEqual([]);
          if (live.length === 0) {
            expect(blocks.entriesHeld).toBe(0);
            peak.clear();
          }
          let bound = 0;
          for (const [size, most] of peak) bound += Math.ceil((most * size) / CHUNK_ENTRIES) * CHUNK_ENTRIES;
          expect(blocks.entriesHeld).toBeLessThanOrEqual(bound);
          // What is held follows what is in use: the chunks live blocks lie in, and a few empty ones.
          const inLiveChunks = new Set<number>();
          for (const b of live) {
            const first = Math.floor(b.at / CHUNK_ENTRIES);
            for (let k = 0, span = Math.max(1, RingBlocks.sizeFor(b.length) / CHUNK_ENTRIES); k < span; k++) inLiveChunks.add(first + k);
          }
          // ...and counts at least those chunks, so the bounds above hold for what really is held.
          expect(blocks.entriesHeld).toBeGreaterThanOrEqual(inLiveChunks.size * CHUNK_ENTRIES);
          expect(blocks.entriesHeld).toBeLessThanOrEqual((inLiveChunks.size + EMPTY_CHUNKS_KEPT) * CHUNK_ENTRIES);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('gives chunks back after a mass event while other rings live on, and keeps reusing them', () => {
    const blocks = new RingBlocks();
    // 10,000 rings grown to 128 entries: 79 chunks of 128 blocks of 128.
    const rings = Array.from({ length: 10_000 }, () => {
      let at = blocks.take(8);
      for (const length of [16, 32, 64, 128]) {
        const grown = blocks.take(length);
        blocks.give(at, length / 2);
        at = grown;
      }
      return at;
    });
    expect(blocks.entriesHeld).toBeGreaterThanOrEqual(79 * CHUNK_ENTRIES);
    // All but one channel goes away: one chunk in use, a few empty ones kept.
    for (const at of rings.slice(1)) blocks.give(at, 128);
    expect(blocks.entriesHeld).toBeLessThanOrEqual((1 + EMPTY_CHUNKS_KEPT) * CHUNK_ENTRIES);
    blocks.set(rings[0] + 127, 7);
    // The next mass event takes the same chunk numbers again, not new ones.
    const again = Array.from({ length: 10_000 }, () => blocks.take(128));
    expect(Math.max(...again)).toBeLessThan(83 * CHUNK_ENTRIES);
    expect(blocks.get(rings[0] + 127)).toBe(7);
    for (const at of again) blocks.give(at, 128);
    expect(blocks.entriesHeld).toBeLessThanOrEqual((1 + EMPTY_CHUNKS_KEPT) * CHUNK_ENTRIES);
    // A block of four chunks takes four spare ones in a row too.
    const big = blocks.take(40_000);
    expect(big % CHUNK_ENTRIES).toBe(0);
    expect(big + 4 * CHUNK_ENTRIES).toBeLessThanOrEqual(83 * CHUNK_ENTRIES);
    blocks.give(big, 40_000);
    blocks.give(rings[0], 128);
    expect(blocks.entriesHeld).toBe(0);
  });

  it('keeps a few empty chunks, so that a ring growing out of a chunk does not free and remake it', () => {
    const blocks = new RingBlocks();
    // Two chunks of blocks of 8 (2,048 each), then the second one emptied: it is kept.
    const small = Array.from({ length: 2 * (CHUNK_ENTRIES / 8) }, () => blocks.take(8));
    const held = blocks.entriesHeld;
    for (const at of small.slice(CHUNK_ENTRIES / 8)) blocks.give(at, 8);
    expect(blocks.entriesHeld).toBe(held);
    // More chunks (one of each other size) emptied until as many are empty as are kept; one more,
    // and every empty one goes.
    const sizes = Array.from({ length: EMPTY_CHUNKS_KEPT }, (_, i) => 16 * 2 ** i);
    const others = sizes.map((size) => Array.from({ length: CHUNK_ENTRIES / size }, () => blocks.take(size)));
    const heldAll = blocks.entriesHeld;
    const last = EMPTY_CHUNKS_KEPT - 1;
    sizes.slice(0, last).forEach((size, i) => others[i].forEach((at) => blocks.give(at, size)));
    expect(blocks.entriesHeld).toBe(heldAll);
    others[last].forEach((at) => blocks.give(at, sizes[last]));
    expect(blocks.entriesHeld).toBe(CHUNK_ENTRIES);
    // The count starts again after a sweep: the next chunk emptied is kept.
    const again = Array.from({ length: CHUNK_ENTRIES / 16 }, () => blocks.take(16));
    for (const at of again) blocks.give(at, 16);
    expect(blocks.entriesHeld).toBe(2 * CHUNK_ENTRIES);
  });
});

describe('Chunked', () => {
  it('releases one chunk: it reads empty, is made anew when set, and never-set chunks below stay unmade', () => {
    let made = 0;
    const column = new Chunked(() => {
      made++;
      return chunkOf.int32();
    }, 0);
    column.set(3 * CHUNK_ENTRIES + 5, 7);
    expect(made).toBe(1);
    expect(column.get(CHUNK_ENTRIES)).toBe(0);
    column.set(5, 1);
    column.release(0);
    expect(column.get(5)).toBe(0);
    expect(column.get(3 * CHUNK_ENTRIES + 5)).toBe(7);
    column.set(6, 2);
    expect([column.get(5), column.get(6), made]).toEqual([0, 2, 3]);
  });
});

describe('ChannelLog in one MessageSlots', () => {
  const announcement = fc.record({
    action: fc.constantFrom<Announcement['action']>('join', 'leave', 'timeout', 'state-change'),
    uuid: fc.string({ maxLength: 8 }),
    timestamp: fc.integer({ min: 1_900_000_000, max: 1_900_000_100 }),
    precise: fc.integer({ min: 1_900_000_000_000, max: 1_900_000_100_999 }),
    occupancy: fc.nat(5_000),
    data: fc.option(fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 })), { nil: undefined }),
  });
  const uuids = fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 });
  const interval: fc.Arbitrary<IntervalMessage> = fc.record({
    timestamp: fc.constant(1_900_000_000),
    occupancy: fc.nat(5_000),
    deltas: fc.option(fc.record({ join: uuids, leave: uuids, timeout: uuids }), { nil: undefined }),
  });
  /** What a subscriber must get for a message: the payload in the service's key order. */
  const delivered = (channel: string, timetoken: bigint, m: Announcement | IntervalMessage): FeedMessage => {
    if (!('precise' in m)) {
      const { timestamp, occupancy, deltas } = m;
      if (deltas === undefined) return { timetoken, channel, payload: { action: 'interval', timestamp, occupancy, here_now_refresh: true } };
      const { join, leave, timeout } = deltas;
      return { timetoken, channel, payload: { action: 'interval', timestamp, occupancy, ...(join.length ? { join } : {}), ...(leave.length ? { leave } : {}), ...(timeout.length ? { timeout } : {}) } };
    }
    const { action, uuid, timestamp, precise, occupancy, data } = m;
    const payload = data === undefined ? { action, uuid, timestamp, precise_timestamp: precise, occupancy } : { action, uuid, timestamp, precise_timestamp: precise, data, occupancy };
    return { timetoken, channel, payload };
  };

  /** Messages as they go on the wire: key order counts (`toEqual` alone ignores it). */
  const wire = (messages: readonly FeedMessage[]) => messages.map((m) => `${m.timetoken} ${m.channel} ${JSON.stringify(m.payload)}`);

  it('keeps each channel its last `capacity` messages, answers since() as a filtered list does, and frees every slot it drops', () => {
    const step = fc.oneof(
      { weight: 20, arbitrary: fc.record({ op: fc.constant('push' as const), channel: fc.integer({ min: 0, max: 3 }), message: fc.oneof({ weight: 5, arbitrary: announcement }, { weight: 1, arbitrary: interval }) }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('since' as const), channel: fc.integer({ min: 0, max: 3 }), back: fc.nat(40), limit: fc.integer({ min: 1, max: 50 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('drop' as const), channel: fc.integer({ min: 0, max: 3 }) }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(step, { maxLength: 300, size: 'max' }), (capacity, steps) => {
        const slots = new MessageSlots();
        const blocks = new RingBlocks();
        const name = (c: number) => `ch-${c}`;
        const logs = Array.from({ length: 4 }, (_, c) => new ChannelLog(slots, blocks, name(c), capacity));
        const naive: FeedMessage[][] = [[], [], [], []];
        let token = 19_000_000_000_000_000n;
        for (const s of steps) {
          if (s.op === 'push') {
            token += 1n;
            const m = s.message;
            logs[s.channel].push('precise' in m ? slots.announce(token, m) : slots.storeInterval(token, m));
            naive[s.channel].push(delivered(name(s.channel), token, m));
            if (naive[s.channel].length > capacity) naive[s.channel].shift();
          } else if (s.op === 'since') {
            const after = token - BigInt(s.back);
            expect(wire(logs[s.channel].since(after, s.limit))).toEqual(wire(naive[s.channel].filter((m) => m.timetoken > after).slice(0, s.limit)));
          } else {
            logs[s.channel].release();
            logs[s.channel] = new ChannelLog(slots, blocks, name(s.channel), capacity);
            naive[s.channel] = [];
          }
          expect(slots.size).toBe(naive.reduce((sum, list) => sum + list.length, 0));
        }
        for (let c = 0; c < 4; c++) expect(wire(logs[c].since(0n, 1_000))).toEqual(wire(naive[c]));
        // Dropping every log gives every slot and every ring's block back.
        for (const log of logs) log.release();
        expect(slots.size).toBe(0);
        expect(blocks.entriesHeld).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it("lets an interval message's uuid lists go when its ring drops it, and ignores a second release", () => {
    const slots = new MessageSlots();
    const blocks = new RingBlocks();
    const log = new ChannelLog(slots, blocks, 'busy', 5);
    const timeout = (i: number) => Array.from({ length: 500 }, (_, k) => `u${i}-${k}`);
    for (let i = 0; i < 2_000; i++) log.push(slots.storeInterval(19_000_000_000_000_000n + BigInt(i), { timestamp: 1_900_000_000, occupancy: 30, deltas: { join: [], leave: [], timeout: timeout(i) } }));
    // Five messages of 505 entries live: at most the chunk being written and 8× those.
    expect(slots.listEntriesHeld).toBeLessThanOrEqual(16_384 + 8 * 5 * 505);
    expect(log.since(0n, 10).map((m) => (m.payload.timeout as string[])[0])).toEqual(['u1995-0', 'u1996-0', 'u1997-0', 'u1998-0', 'u1999-0']);

    const other = new ChannelLog(slots, blocks, 'other', 5);
    const slot = slots.storeInterval(20_000_000_000_000_000n, { timestamp: 1_900_000_000, occupancy: 30, deltas: { join: ['a'], leave: [], timeout: [] } });
    other.push(slot);
    slots.release(slot);
    slots.release(slot);
    expect(slots.size).toBe(5);
    expect(log.since(0n, 10).map((m) => (m.payload.timeout as string[])[0])).toEqual(['u1995-0', 'u1996-0', 'u1997-0', 'u1998-0', 'u1999-0']);
  });

  it('reuses freed slots and spans chunks (16,384 slots each) without mixing messages up', () => {
    const slots = new MessageSlots();
    const blocks = new RingBlocks();
    const logs = [new ChannelLog(slots, blocks, 'a', 20_000), new ChannelLog(slots, blocks, 'b', 10)];
    const join = (i: number): Announcement => ({ action: 'join', uuid: `u${i}`, timestamp: 1_900_000_000, precise: 1_900_000_000_000 + i, occupancy: i, data: i % 7 ? undefined : { i } });
    // 45,000 messages for 'a': its ring (a block of two chunks) fills, and its head wraps past the
    // ring's end (20,000, not the block's 32,768).
    for (let i = 0; i < 90_000; i++) logs[i % 2].push(slots.announce(19_000_000_000_000_000n + BigInt(i), join(i)));
    expect(slots.size).toBe(20_000 + 10);
    const a = logs[0].since(0n, 30_000);
    expect(a.map((m) => m.payload.uuid)).toEqual(Array.from({ length: 20_000 }, (_, k) => `u${2 * (25_000 + k)}`));
    expect(a[4].payload).toEqual({ action: 'join', uuid: 'u50008', timestamp: 1_900_000_000, precise_timestamp: 1_900_000_050_008, data: { i: 50_008 }, occupancy: 50_008 });
    expect(a[19_999]).toEqual({ timetoken: 19_000_000_000_000_000n + 89_998n, channel: 'a', payload: expect.objectContaining({ uuid: 'u89998', occupancy: 89_998 }) });
    expect(logs[1].since(0n, 100).map((m) => m.payload.uuid)).toEqual(Array.from({ length: 10 }, (_, k) => `u${2 * (44_990 + k) + 1}`));
    for (const log of logs) log.release();
    expect(slots.size).toBe(0);
    expect(blocks.entriesHeld).toBe(0);
  });
});

describe('PresenceFeed interval passes', () => {
  const clock = { now: () => 1_900_000_000_000 };
  const newFeed = (announceMax = 1) =>
    new PresenceFeed({ announceMax, eventBufferSize: 100_000, clock, timetokens: new TimetokenSource(clock), groupsOf: () => new ChannelGroups() });
  const publish = (feed: PresenceFeed, key: string, channel: string, action: 'join' | 'leave' | 'timeout', uuid: string, occupancy: number) =>
    feed.publish({ subscribeKey: key, channel, action, uuid, occupancy, timestamp: 1_900_000_000 });
  const payloads = (feed: PresenceFeed, key: string, channel: string) => feed.collect(key, { channels: [channel], groups: [] }, 0n, 1_000_000).map((d) => d.message.payload);

  it('delivers every join, leave and timeout exactly once and in order, whatever interleaves with sliced passes', () => {
    type Op =
      | { op: 'event'; key: number; channel: number; action: 'join' | 'leave' | 'timeout'; occupancy: number }
      | { op: 'step'; n: number }
      | { op: 'start' | 'tick' | 'bulk' | 'drain' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 30, arbitrary: fc.record({ op: fc.constant('event' as const), key: fc.integer({ min: 0, max: 2 }), channel: fc.integer({ min: 0, max: 3 }), action: fc.constantFrom('join' as const, 'leave' as const, 'timeout' as const), occupancy: fc.integer({ min: 0, max: 4 }) }) },
      { weight: 6, arbitrary: fc.record({ op: fc.constant('step' as const), n: fc.integer({ min: 1, max: 3 }) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('start' as const) }) },
      // tick() is what Emulator.flushIntervals() calls, possibly while a background pass runs.
      { weight: 1, arbitrary: fc.record({ op: fc.constant('tick' as const) }) },
      // Enough deltas to cross the journal's 16,384-entry chunks.
      { weight: 1, arbitrary: fc.record({ op: fc.constant('bulk' as const) }) },
      // Every channel back to announce mode: the journal is emptied, maybe in the middle of a pass.
      { weight: 2, arbitrary: fc.record({ op: fc.constant('drain' as const) }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const feed = newFeed(2);
        const sent = new Map<string, string[]>();
        let pass: Generator<void, void, undefined> | undefined;
        let n = 0;
        const event = (k: number, c: number, action: 'join' | 'leave' | 'timeout', occupancy: number) => {
          const uuid = `u${n++}`;
          publish(feed, `k${k}`, `c${c}`, action, uuid, occupancy);
          const id = `k${k}/c${c}`;
          sent.set(id, [...(sent.get(id) ?? []), `${action}:${uuid}`]);
        };
        for (const o of ops) {
          if (o.op === 'event') event(o.key, o.channel, o.action, o.occupancy);
          else if (o.op === 'bulk') for (let i = 0; i < 400; i++) for (let k = 0; k < 3; k++) for (let c = 0; c < 4; c++) event(k, c, 'join', 4);
          else if (o.op === 'drain') for (let k = 0; k < 3; k++) for (let c = 0; c < 4; c++) event(k, c, 'leave', 0);
          else if (o.op === 'start') pass ??= feed.tickSteps();
          else if (o.op === 'step') for (let i = 0; i < o.n && pass; i++) if (pass.next().done) pass = undefined;
          else feed.tick();
          expect(feed.intervalChannelCount()).toBe([0, 1, 2].reduce((sum, k) => sum + feed.intervalChannels(`k${k}`).length, 0));
        }
        while (pass && !pass.next().done);
        feed.tick();
        for (let k = 0; k < 3; k++) {
          for (let c = 0; c < 4; c++) {
            const got: string[] = [];
            let refreshed = false;
            for (const p of payloads(feed, `k${k}`, `c${c}`)) {
              if (p.action !== 'interval') {
                got.push(`${p.action}:${p.uuid}`);
                continue;
              }
              if (p.here_now_refresh) refreshed = true;
              // An interval message groups by action: within one, compare in the order of issue.
              const inMessage = (['join', 'leave', 'timeout'] as const).flatMap((action) => ((p[action] as string[] | undefined) ?? []).map((uuid) => `${action}:${uuid}`));
              got.push(...inMessage.sort((a, b) => Number(a.split(':u')[1]) - Number(b.split(':u')[1])));
            }
            const expected = sent.get(`k${k}/c${c}`) ?? [];
            if (!refreshed) expect(got).toEqual(expected);
            else {
              expect(new Set(got).size).toBe(got.length);
              expect(got.filter((g) => !expected.includes(g))).toEqual([]);
            }
          }
        }
        expect(feed.journalSize()).toBe(0);
      }),
      { numRuns: 150 },
    );
  });

  it('a channel entering interval mode in a subscribe key the pass has done goes out in the next pass', () => {
    const feed = newFeed();
    publish(feed, 'k1', 'a', 'join', 'u1', 2);
    publish(feed, 'k2', 'b', 'join', 'u2', 2);
    const pass = feed.tickSteps();
    pass.next(); // k1/a sent
    pass.next(); // k2/b sent
    publish(feed, 'k1', 'new', 'join', 'u3', 2);
    while (!pass.next().done);
    expect(payloads(feed, 'k1', 'new')).toEqual([]);
    feed.tick();
    expect(payloads(feed, 'k1', 'new')).toEqual([expect.objectContaining({ action: 'interval', join: ['u3'] })]);
  });

  it('tick() while a pass runs overtakes it: each channel gets one interval message', () => {
    const feed = newFeed();
    for (const c of ['a', 'b', 'c']) publish(feed, 'k', c, 'join', `u-${c}`, 2);
    const pass = feed.tickSteps();
    pass.next(); // the background pass sent 'a'
    feed.tick(); // Emulator.flushIntervals()
    while (!pass.next().done);
    expect(payloads(feed, 'k', 'a')).toHaveLength(2);
    expect(payloads(feed, 'k', 'b')).toHaveLength(1);
    expect(payloads(feed, 'k', 'c')).toHaveLength(1);
  });

  it('a pass whose mark predates a clear does not release lists begun after the clear', () => {
    const feed = newFeed();
    publish(feed, 'k0', 'a', 'join', 'x1', 2);
    publish(feed, 'k1', 'b', 'join', 'x2', 2);
    publish(feed, 'k1', 'c', 'join', 'x3', 2);
    const pass = feed.tickSteps();
    pass.next(); // k0/a
    pass.next(); // k1/b: the pass is past k0
    publish(feed, 'k0', 'a', 'leave', 'y', 1);
    publish(feed, 'k1', 'b', 'leave', 'y', 1);
    publish(feed, 'k1', 'c', 'leave', 'y', 1); // the last channel in interval mode: the journal is cleared
    publish(feed, 'k0', 'a', 'join', 'z', 2); // a new list at the start of the new generation
    while (!pass.next().done);
    feed.tick();
    expect(payloads(feed, 'k0', 'a').at(-1)).toMatchObject({ action: 'interval', join: ['z'] });
  });

  it('a channel going in and out of interval mode between passes does not grow the journal without bound', () => {
    const feed = newFeed();
    publish(feed, 'k', 'busy', 'join', 'b', 5); // one channel stays in interval mode throughout
    for (let i = 0; i < 100_000; i++) {
      publish(feed, 'k', 'flap', 'join', `u${i}`, 2);
      publish(feed, 'k', 'flap', 'leave', `u${i}`, 1);
    }
    expect(feed.journalSize()).toBeLessThanOrEqual(65_536);
    feed.tick();
    expect(payloads(feed, 'k', 'busy')).toEqual([expect.objectContaining({ action: 'interval', join: ['b'] })]);
    expect(feed.journalSize()).toBe(0);
  });
});

describe('IntervalDeltas in one DeltaJournal', () => {
  type Action = 'join' | 'leave' | 'timeout';
  /** The payload a subscriber gets for the channel's `interval` message now. */
  const lists = (deltas: IntervalDeltas) => {
    const slots = new MessageSlots();
    return slots.message(slots.storeInterval(0n, intervalMessage(deltas, 1_900_000_000)), 'ch').payload;
  };

  it('keeps each channel its own deltas in order, across interleaved adds, flushes and clears', () => {
    const step = fc.oneof(
      // Ticks rare enough that the journal holds hundreds of entries between two.
      { weight: 300, arbitrary: fc.record({ op: fc.constant('add' as const), channel: fc.integer({ min: 0, max: 4 }), action: fc.constantFrom<Action>('join', 'leave', 'timeout'), uuid: fc.string({ maxLength: 12 }) }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('flush' as const), channel: fc.integer({ min: 0, max: 4 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('tick' as const) }) },
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 500, maxLength: 1_500 }), (steps) => {
        const journal = new DeltaJournal();
        const channels = Array.from({ length: 5 }, () => new IntervalDeltas(journal, 30));
        const naive = Array.from({ length: 5 }, () => ({ join: [] as string[], leave: [] as string[], timeout: [] as string[] }));
        const expected = (c: number) => {
          const { join, leave, timeout } = naive[c];
          return { action: 'interval', timestamp: 1_900_000_000, occupancy: 30, ...(join.length ? { join } : {}), ...(leave.length ? { leave } : {}), ...(timeout.length ? { timeout } : {}) };
        };
        for (const s of steps) {
          if (s.op === 'add') {
            channels[s.channel].add(s.action, s.uuid);
            naive[s.channel][s.action].push(s.uuid);
          } else if (s.op === 'flush') {
            // A channel going back to announce mode: its deltas are sent, and it starts anew.
            expect(lists(channels[s.channel])).toEqual(expected(s.channel));
            channels[s.channel] = new IntervalDeltas(journal, 30);
            naive[s.channel] = { join: [], leave: [], timeout: [] };
          } else {
            for (let c = 0; c < 5; c++) {
              expect(lists(channels[c])).toEqual(expected(c));
              channels[c].reset();
              naive[c] = { join: [], leave: [], timeout: [] };
            }
            journal.clear();
            expect(journal.size).toBe(0);
          }
        }
        for (let c = 0; c < 5; c++) {
          expect(lists(channels[c])).toEqual(expected(c));
          expect(channels[c].pending).toBe(naive[c].join.length + naive[c].leave.length + naive[c].timeout.length > 0);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keeps lists in order across chunks (16,384 entries each), and again after a clear reuses them', () => {
    const journal = new DeltaJournal();
    for (let round = 0; round < 2; round++) {
      // 20 channels, so that each stays under the 32 KB byte limit.
      const channels = Array.from({ length: 20 }, () => new IntervalDeltas(journal, 30));
      const actions = ['join', 'leave', 'timeout'] as const;
      for (let i = 0; i < 40_000; i++) channels[i % 20].add(actions[(i >> 5) % 3], `${round}-${i}`);
      expect(journal.size).toBe(40_000);
      channels.forEach((deltas, c) => {
        const all = Array.from({ length: 40_000 }, (_, i) => i).filter((i) => i % 20 === c);
        const of = (a: number) => all.filter((i) => (i >> 5) % 3 === a).map((i) => `${round}-${i}`);
        expect(lists(deltas)).toEqual({ action: 'interval', timestamp: 1_900_000_000, occupancy: 30, join: of(0), leave: of(1), timeout: of(2) });
      });
      journal.clear();
    }
  });

  it('after a pass, releases what came before it and keeps the lists begun during it', () => {
    const journal = new DeltaJournal();
    const channels = Array.from({ length: 20 }, () => new IntervalDeltas(journal, 30));
    for (let i = 0; i < 40_000; i++) channels[i % 20].add('join', `a${i}`);
    const mark = journal.mark();
    // The pass sends channels 0–9, then changes arrive for all, then it sends 10–19.
    for (let c = 0; c < 10; c++) channels[c].reset();
    for (let i = 0; i < 1_000; i++) channels[i % 20].add('leave', `b${i}`);
    for (let c = 10; c < 20; c++) channels[c].reset();
    journal.releaseBefore(mark);
    expect(journal.size).toBe(1_000);
    for (let c = 0; c < 10; c++) {
      const leave = Array.from({ length: 50 }, (_, k) => `b${c + 20 * k}`);
      expect(lists(channels[c])).toEqual({ action: 'interval', timestamp: 1_900_000_000, occupancy: 30, leave });
    }
    for (let c = 10; c < 20; c++) expect(channels[c].pending).toBe(false);
    // New deltas go on after the released part; a mark from before a clear does nothing.
    channels[3].add('timeout', 'c');
    expect(lists(channels[3]).timeout).toEqual(['c']);
    journal.clear();
    journal.releaseBefore(mark);
    expect(journal.size).toBe(0);
  });

  it('a feed pass run a step at a time, with changes between the steps, sends every delta once and in order', () => {
    const clock = { now: () => 1_900_000_000_000 };
    const feed = new PresenceFeed({ announceMax: 1, eventBufferSize: 10_000, clock, timetokens: new TimetokenSource(clock), groupsOf: () => new ChannelGroups() });
    const sent: string[] = [];
    const join = (channel: string, uuid: string, occupancy: number) => {
      feed.publish({ subscribeKey: 'k', channel, action: 'join', uuid, occupancy, timestamp: 1_900_000_000 });
      sent.push(`${channel}:${uuid}`);
    };
    let n = 0;
    for (const channel of ['a', 'b', 'c', 'd']) for (let i = 0; i < 3; i++) join(channel, `u${n++}`, 2 + i);
    for (let round = 0; round < 3; round++) {
      const pass = feed.tickSteps();
      while (!pass.next().done) for (const channel of ['a', 'b', 'c', 'd', 'e']) join(channel, `u${n++}`, 10 + n);
    }
    feed.tick();
    const received = feed
      .collect('k', { channels: ['a', 'b', 'c', 'd', 'e'], groups: [] }, 0n, 100_000)
      .flatMap(({ message }) => ((message.payload.join as string[] | undefined) ?? []).map((uuid) => `${message.channel}:${uuid}`));
    // Every join was above announceMax: all of them went out in interval messages.
    expect([...received].sort()).toEqual([...sent].sort());
    for (const channel of ['a', 'b', 'c', 'd', 'e']) {
      const order = received.filter((r) => r.startsWith(`${channel}:`)).map((r) => Number(r.slice(r.indexOf(':u') + 2)));
      expect(order).toEqual([...order].sort((x, y) => x - y));
    }
    expect(feed.journalSize()).toBe(0);
  });

  it('a list from before a clear reads as empty and starts anew; past the byte limit it says here_now_refresh', () => {
    const journal = new DeltaJournal();
    const stale = new IntervalDeltas(journal, 21);
    stale.add('join', 'a');
    journal.clear();
    expect(stale.pending).toBe(false);
    stale.add('leave', 'b');
    expect(lists(stale)).toEqual({ action: 'interval', timestamp: 1_900_000_000, occupancy: 21, leave: ['b'] });

    // The limit is the whole payload's JSON, in UTF-8 bytes: 32,768 keeps the deltas, one more does not.
    const header = JSON.stringify({ action: 'interval', timestamp: 1_900_000_000, occupancy: 30, join: [''] }).length;
    for (const [extra, kept] of [[0, true], [1, false]] as const) {
      const exact = new IntervalDeltas(journal, 30);
      // Two-byte characters: the limit counts bytes, not characters (the header's length is odd).
      exact.add('join', 'é'.repeat((INTERVAL_DELTAS_MAX_BYTES - header - 1) / 2) + 'a'.repeat(1 + extra));
      expect(Buffer.byteLength(JSON.stringify({ action: 'interval', timestamp: 1_900_000_000, occupancy: 30, join: exact.lists().join }))).toBe(INTERVAL_DELTAS_MAX_BYTES + extra);
      expect('here_now_refresh' in lists(exact)).toBe(!kept);
    }

    const busy = new IntervalDeltas(journal, 5_000);
    const uuid = 'u'.repeat(97); // 100 bytes a delta in the running bound
    for (let i = 0; i < INTERVAL_DELTAS_MAX_BYTES / 100 + 1; i++) busy.add('join', uuid);
    expect(busy.overflow).toBe(true);
    expect(lists(busy)).toEqual({ action: 'interval', timestamp: 1_900_000_000, occupancy: 5_000, here_now_refresh: true });
    expect(lists(stale)).toEqual({ action: 'interval', timestamp: 1_900_000_000, occupancy: 21, leave: ['b'] });
  });
});

describe('TimetokenSource', () => {
  /** The rule written naively: the clock in ticks (ms × 10,000), or one more than the last token. */
  const naive = () => {
    let last = 0n;
    return (ms: number): bigint => {
      const now = BigInt(Math.max(0, Math.floor(ms))) * 10_000n;
      return (last = now > last ? now : last + 1n);
    };
  };

  it('issues what the naive rule issues, for clocks that stand still, go back, jump, or start at or below 0', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(1_900_000_000_000), fc.integer({ min: -10, max: 1_000 })),
        fc.array(fc.tuple(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constant(0), fc.integer({ min: -1_000_000, max: 1_000_000 })), fc.double({ min: 0, max: 0.9, noNaN: true })), { maxLength: 200 }),
        (start, steps) => {
          const clock = { ms: start };
          const source = new TimetokenSource({ now: () => clock.ms });
          const expected = naive();
          expect(source.next()).toBe(expected(clock.ms));
          for (const [step, fraction] of steps) {
            clock.ms += step + fraction; // fractional clocks are floored
            expect(source.next()).toBe(expected(clock.ms));
          }
        },
      ),
    );
  });

  it('stays strictly increasing past 10,000 tokens in one millisecond, and follows the clock once it is ahead again', () => {
    const clock = { ms: 1_900_000_000_000 };
    const source = new TimetokenSource({ now: () => clock.ms });
    const expected = naive();
    const issued = Array.from({ length: 20_000 }, () => [source.next(), expected(clock.ms)]);
    for (const step of [1, 1, 3]) {
      clock.ms += step; // 20,000 tokens are 2 ms of ticks: the clock is behind, then ahead again
      issued.push([source.next(), expected(clock.ms)]);
    }
    expect(issued.filter(([got, want]) => got !== want)).toEqual([]);
  });

  it('refuses a reading that is no number, as BigInt does, and goes on with the next one', () => {
    const clock = { ms: 1_000 };
    const source = new TimetokenSource({ now: () => clock.ms });
    expect(source.next()).toBe(10_000_000n);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      clock.ms = bad;
      expect(() => source.next()).toThrow(RangeError);
    }
    clock.ms = 2_000;
    expect(source.next()).toBe(20_000_000n);
  });
});

describe('PresenceStore', () => {
  let clock: ManualClock;
  let events: EmulatorPresenceEvent[];
  let store: PresenceStore;

  beforeEach(() => {
    clock = new ManualClock(0);
    events = [];
    store = new PresenceStore('k', clock, (event) => events.push(event), 300);
  });

  it('agrees with a naive model under random heartbeats, leaves and time', () => {
    type Op = { kind: 'hb'; uuid: number; channel: number; timeout: number } | { kind: 'leave'; uuid: number; channel: number } | { kind: 'tick'; ms: number };
    const op = fc.oneof(
      fc.record({ kind: fc.constant('hb' as const), uuid: fc.nat(4), channel: fc.nat(3), timeout: fc.integer({ min: 1, max: 20 }) }),
      fc.record({ kind: fc.constant('leave' as const), uuid: fc.nat(4), channel: fc.nat(3) }),
      fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 15_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops: Op[]) => {
        clock.ms = 0;
        const subject = new PresenceStore('k', clock, () => undefined, 300);
        const model = new Map<string, number>(); // "channel|uuid" → expiresAt
        for (const step of ops) {
          if (step.kind === 'hb') {
            subject.heartbeat(`u${step.uuid}`, [`c${step.channel}`], step.timeout);
            model.set(`c${step.channel}|u${step.uuid}`, clock.ms + step.timeout * 1000);
          } else if (step.kind === 'leave') {
            subject.leave(`u${step.uuid}`, [`c${step.channel}`]);
            model.delete(`c${step.channel}|u${step.uuid}`);
          } else {
            clock.advance(step.ms);
            subject.expire();
            for (const [entry, expiresAt] of model) if (expiresAt <= clock.ms) model.delete(entry);
          }
          for (let c = 0; c < 4; c++) {
            const expected = [...model.keys()].filter((entry) => entry.startsWith(`c${c}|`)).map((entry) => entry.split('|')[1]);
            expect([...subject.occupants(`c${c}`)].map((o) => o.uuid).sort()).toEqual(expected.sort());
          }
          for (let u = 0; u < 5; u++) {
            const expected = [...model.keys()].filter((entry) => entry.endsWith(`|u${u}`)).map((entry) => entry.split('|')[0]);
            expect(subject.whereNow(`u${u}`).sort()).toEqual(expected.sort());
          }
        }
      }),
    );
  });

  it('with any clock (fractional, Date-sized, negative) expires no record early and none more than 1 ms late, and stamps events in its seconds', () => {
    type Op = { kind: 'hb'; uuid: number; timeout: number } | { kind: 'tick'; ms: number };
    const op = fc.oneof(
      fc.record({ kind: fc.constant('hb' as const), uuid: fc.nat(3), timeout: fc.integer({ min: 1, max: 5 }) }),
      // Long steps to reach deadlines, short ones to land between a deadline and the next millisecond.
      fc.record({ kind: fc.constant('tick' as const), ms: fc.oneof(fc.double({ min: 0, max: 1_500, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })) }),
    );
    const start = fc.oneof(fc.constant(Date.UTC(2030, 0, 1)), fc.double({ min: -1e6, max: 2e12, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true }));
    fc.assert(
      fc.property(start, fc.array(op, { maxLength: 40 }), (from: number, ops: Op[]) => {
        clock.ms = from;
        const stamped: Array<[number, number]> = [];
        const subject = new PresenceStore('k', clock, (event) => stamped.push([event.timestamp, clock.ms]), 300);
        const deadlines = new Map<string, number>(); // uuid → exact deadline on the clock
        for (const step of ops) {
          if (step.kind === 'hb') {
            subject.heartbeat(`u${step.uuid}`, ['c'], step.timeout);
            deadlines.set(`u${step.uuid}`, clock.ms + step.timeout * 1000);
          } else {
            clock.ms += step.ms;
            subject.expire();
          }
          const present = new Set([...subject.occupants('c')].map((o) => o.uuid));
          for (const [uuid, deadline] of deadlines) {
            // A hundredth of a millisecond for floating point at Date-sized readings.
            if (clock.ms < deadline - 0.01) expect({ uuid, at: clock.ms, deadline, present: present.has(uuid) }).toEqual({ uuid, at: clock.ms, deadline, present: true });
            if (clock.ms >= deadline + 1) expect({ uuid, at: clock.ms, deadline, present: present.has(uuid) }).toEqual({ uuid, at: clock.ms, deadline, present: false });
            if (!present.has(uuid)) deadlines.delete(uuid);
          }
        }
        for (const [timestamp, at] of stamped) expect(timestamp).toBe(Math.floor(at / 1000));
      }),
      { numRuns: 300 },
    );
    // The case a store rounding deadlines down got wrong: made at 0, a 1 s heartbeat at 0.9 ms.
    clock.ms = 0;
    const subject = new PresenceStore('k', clock, () => undefined, 300);
    clock.ms = 0.9;
    subject.heartbeat('alice', ['c'], 1);
    clock.ms = 1000.8;
    subject.expire();
    expect(subject.occupancy('c')).toBe(1);
    clock.ms = 1001.9;
    subject.expire();
    expect(subject.occupancy('c')).toBe(0);
  });

  it('keeps one queue entry per occupant across repeated heartbeats', () => {
    for (let beat = 0; beat < 100; beat++) {
      store.heartbeat('alice', ['a', 'b'], 300);
      clock.advance(1_000);
    }
    expect(store.queuedDeadlines).toBe(2);
  });

  it('holds no deadline for what left, under join/leave churn and parked state', () => {
    for (let i = 0; i < 20_000; i++) {
      store.heartbeat(`u${i % 10}`, ['lobby'], 300);
      store.leave(`u${i % 10}`, ['lobby']);
    }
    expect(store.size).toBe(0);
    expect(store.queuedDeadlines).toBe(0);
    store.setState('ghost', ['a', 'b'], { x: 1 });
    expect(store.queuedDeadlines).toBe(2);
    store.heartbeat('ghost', ['a'], 10); // takes the parked state along
    store.leave('ghost', ['a', 'b']);
    expect(store.queuedDeadlines).toBe(0);
  });

  it('where now of a uuid moving between one and several channels', () => {
    store.heartbeat('a', ['x'], 10);
    store.heartbeat('a', ['y', 'x'], 10);
    expect(store.whereNow('a')).toEqual(['x', 'y']);
    store.leave('a', ['x']);
    expect(store.whereNow('a')).toEqual(['y']);
    store.leave('a', ['y']);
    expect(store.whereNow('a')).toEqual([]);
    store.leave('a', ['y']);
    expect(store.whereNow('a')).toEqual([]);
  });

  it('a time-limited expire stops early and reports what is left', () => {
    for (let i = 0; i < 1_000; i++) store.heartbeat(`u${i}`, ['lobby'], 1);
    clock.advance(1_000);
    expect(store.expire(Infinity, 0)).toBe(false); // the deadline has passed: one batch, then stop
    expect(store.size).toBe(1_000 - CLOCK_CHECK_EVERY);
    expect(store.expire(100)).toBe(false);
    expect(store.size).toBe(1_000 - CLOCK_CHECK_EVERY - 100);
    expect(store.expire()).toBe(true);
    expect(store.size).toBe(0);
  });

  it('occupancy in events is after the change', () => {
    store.heartbeat('a', ['x'], 10);
    store.heartbeat('b', ['x'], 20);
    store.leave('a', ['x']);
    clock.advance(20_000);
    store.expire();
    expect(events.map((e) => `${e.action}:${e.uuid}:${e.occupancy}`)).toEqual(['join:a:1', 'join:b:2', 'leave:a:1', 'timeout:b:0']);
  });

  it('an empty state object clears the state', () => {
    store.heartbeat('a', ['x'], 10);
    store.setState('a', ['x'], { n: 1 });
    store.setState('a', ['x'], {});
    expect(store.getState('a', 'x')).toBeUndefined();
    expect(events.map((e) => [e.action, e.data])).toEqual([['join', undefined], ['state-change', { n: 1 }], ['state-change', {}]]);
  });
});

describe('heartbeatStates', () => {
  const none = new Map<string, string[]>();

  it('reads a map keyed by channel', () => {
    expect(heartbeatStates({ a: { x: 1 }, zzz: { y: 2 } }, ['a', 'b'], none)).toEqual(new Map([['a', { x: 1 }]]));
  });

  it('applies group keys to the group channels, explicit channels first', () => {
    const groups = new Map([['cg', ['a', 'c']]]);
    expect(heartbeatStates({ a: { own: 1 }, cg: { group: 1 } }, ['a'], groups)).toEqual(
      new Map([['a', { own: 1 }], ['c', { group: 1 }]]),
    );
  });

  it('treats an object without channel keys, or with a non-object under a channel key, as bare state', () => {
    expect(heartbeatStates({ mood: 'ok' }, ['a', 'b'], none)).toEqual(new Map([['a', { mood: 'ok' }], ['b', { mood: 'ok' }]]));
    expect(heartbeatStates({ a: 'letter' }, ['a'], none)).toEqual(new Map([['a', { a: 'letter' }]]));
  });

  it('changes nothing for {}', () => {
    expect(heartbeatStates({}, ['a'], none).size).toBe(0);
  });
});

describe('RequestQuery', () => {
  it('decodes + and %2C, drops empty names, and keeps valueless keys out of get()', () => {
    const query = RequestQuery.parse('channel-group=cg1%2Ccg2,,&add&remove=a+b&state=%7B%22k%22%3A+1%7D&x=1&x=2');
    expect(query.list('channel-group')).toEqual(['cg1', 'cg2']);
    expect(query.get('add')).toBeUndefined();
    expect(query.get('remove')).toBe('a b');
    expect(query.get('state')).toBe('{"k": 1}');
    expect(query.get('x')).toBe('2');
    expect(query.all()).toEqual({ 'channel-group': 'cg1,cg2,,', add: '', remove: 'a b', state: '{"k": 1}', x: '2' });
    expect(RequestQuery.parse('channel-group=%2C').list('channel-group')).toEqual([]);
  });
});

describe('matchRoute', () => {
  it.each([
    ['/time/0', { operation: 'time' }],
    ['/v2/presence/sub_key/k', { operation: 'globalHereNow', subscribeKey: 'k' }],
    ['/v2/presence/sub-key/k/', { operation: 'globalHereNow', subscribeKey: 'k' }],
    ['/v2/presence/sub-key/k/channel/,', { operation: 'hereNow', subscribeKey: 'k', channels: [] }],
    ['/v2/presence/sub-key/k/channel/a%2Cb,c%20d/heartbeat', { operation: 'heartbeat', subscribeKey: 'k', channels: ['a,b', 'c d'] }],
    ['/v2/presence/sub-key/k/channel/a+b/leave', { operation: 'leave', subscribeKey: 'k', channels: ['a+b'] }],
    ['/v2/presence/sub-key/k/channel/a/uuid/u%2F1', { operation: 'getState', subscribeKey: 'k', channels: ['a'], uuid: 'u/1' }],
    ['/v2/presence/sub-key/k/channel/a/uuid/u/data', { operation: 'setState', subscribeKey: 'k', channels: ['a'], uuid: 'u' }],
    ['/v2/presence/sub-key/k/uuid/u', { operation: 'whereNow', subscribeKey: 'k', uuid: 'u' }],
    ['/v1/channel-registration/sub-key/k/channel-group', { operation: 'channelGroup', subscribeKey: 'k', action: 'list-groups', group: '' }],
    ['/v1/channel-registration/sub_key/k/channel-group/g%20h', { operation: 'channelGroup', subscribeKey: 'k', action: 'group', group: 'g h' }],
    ['/v1/channel-registration/sub-key/k/channel-group/g/remove', { operation: 'channelGroup', subscribeKey: 'k', action: 'delete', group: 'g' }],
    ['/v2/presence/sub-key/k/channel/a/uuid/u/data/more', { operation: 'unknown', normalizedPath: '/v2/presence/sub_key/k/channel/a/uuid/u/data/more' }],
    ['/time/1', { operation: 'unknown', normalizedPath: '/time/1' }],
    ['/', { operation: 'unknown', normalizedPath: '/' }],
  ])('%s', (path, route) => {
    expect(matchRoute(path)).toEqual(route);
  });
});

describe('pythonJson', () => {
  it("matches Python's json.dumps layout, commas and colons inside strings untouched", () => {
    expect(pythonJson({ a: [1, 'x, y: z'], b: { 'k:"': null }, c: 'Zoë 😀' })).toBe(
      '{"a": [1, "x, y: z"], "b": {"k:\\"": null}, "c": "Zo\\u00eb \\ud83d\\ude00"}',
    );
  });

  it('round-trips any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => expect(JSON.parse(pythonJson(value))).toEqual(JSON.parse(JSON.stringify(value)))));
  });

  it('the here-now fast path lays out exactly what pythonJson does', () => {
    const names = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('a"b', 'a\\b', 'é', '\u0001', 'plain-uuid'));
    fc.assert(
      fc.property(fc.array(names, { maxLength: 8 }), fc.nat(), (uuids, occupancy) => {
        expect(replies.hereNowSingle({ uuids, occupancy }).body).toBe(
          pythonJson({ status: 200, message: 'OK', service: 'Presence', uuids, occupancy }),
        );
      }),
    );
  });
});

describe('ChannelGroups', () => {
  it('expands groups after explicit channels, each channel once', () => {
    const groups = new ChannelGroups();
    groups.add('g1', ['a', 'b']);
    groups.add('g2', ['b', 'c']);
    expect(groups.expand(['g1', 'g2', 'missing'], ['c'])).toEqual(['c', 'a', 'b']);
  });
});
