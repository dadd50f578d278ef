/** @test {diffOccupancy} */
import fc from 'fast-check';
import { TestScheduler } from 'rxjs/testing';
import { diffOccupancy, diffOccupants, EMPTY_HERE_NOW } from '../../lib/streams/diff-occupancy';
import { jsonEqual } from '../../lib/streams/json-equal';
import type { ChannelOccupancy, HereNowResult, OccupantInfo, PresenceEvent } from '../../lib/types';

// ---- helpers ------------------------------------------------------------------------------------

/** Marks an occupant without a `state` property, as opposed to one whose `state` is `undefined`. */
const NO_STATE = Symbol('no state');

/** uuid → state (or {@link NO_STATE}), in insertion order; entries rather than an object literal so
 * that uuids like `__proto__` or `1` keep their place. */
type Occupants = ReadonlyArray<readonly [uuid: string, state: unknown]>;

interface ChannelSpec {
  readonly occupants: Occupants;
  /** Defaults to the number of occupants. */
  readonly count?: number;
}

function occupant(uuid: string, state: unknown): OccupantInfo {
  return state === NO_STATE ? { uuid } : { uuid, state };
}

function channelOf(channelName: string, { occupants, count = occupants.length }: ChannelSpec): ChannelOccupancy {
  return { channelName, count, uuids: new Map(occupants.map(([uuid, state]) => [uuid, occupant(uuid, state)])) };
}

function snapshot(channels: ReadonlyArray<readonly [string, ChannelSpec]>): HereNowResult {
  const map = new Map(channels.map(([name, spec]) => [name, channelOf(name, spec)]));
  let totalOccupancy = 0;
  for (const ch of map.values()) totalOccupancy += ch.count;
  return { totalChannels: map.size, totalOccupancy, channels: map };
}

/** One channel named `lobby` with these occupants (a bare string means "no state"). */
function lobby(...occupants: ReadonlyArray<string | readonly [string, unknown]>): HereNowResult {
  return snapshot([['lobby', { occupants: occupants.map((o) => (typeof o === 'string' ? ([o, NO_STATE] as const) : o)) }]]);
}

/** An independent oracle for "the same JSON": stringify with keys sorted at every level. */
function canonical(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    if (Object.prototype.toString.call(v) !== '[object Object]') return v; // boxed, Map, typed array…
    const record = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
  });
}

/** A deep copy of JSON-ish data with every object's keys in reverse order. */
function reorderedClone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorderedClone);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(record).reverse().map((k) => [k, reorderedClone(record[k])]));
}

/** The same snapshot in new Maps, new occupants and reordered state objects. */
function cloneSnapshot(s: HereNowResult): HereNowResult {
  return {
    ...s,
    channels: new Map(
      [...s.channels].map(([name, ch]) => [
        name,
        {
          ...ch,
          uuids: new Map(
            [...ch.uuids].map(([uuid, o]) => [uuid, 'state' in o ? { uuid, state: reorderedClone(o.state) } : { uuid }]),
          ),
        },
      ]),
    ),
  };
}

const T = 1_700_000_000_000;

// ---- diffOccupants: table -----------------------------------------------------------------------

type Case = readonly [name: string, prev: HereNowResult, next: HereNowResult, expected: readonly PresenceEvent[]];

const ev = (
  action: 'join' | 'leave' | 'state-change',
  channel: string,
  uuid: string,
  occupancy: number,
  ...state: [] | [unknown]
): PresenceEvent =>
  state.length === 0
    ? { action, channel, uuid, occupancy, timestamp: T }
    : { action, channel, uuid, occupancy, timestamp: T, state: state[0] };

const cases: readonly Case[] = [
  ['join with state', EMPTY_HERE_NOW, lobby(['alice', { mood: 'ok' }]), [ev('join', 'lobby', 'alice', 1, { mood: 'ok' })]],
  ['join without state has no state key', lobby(), lobby('alice'), [ev('join', 'lobby', 'alice', 1)]],
  ['join whose state is undefined has no state key', lobby(), lobby(['alice', undefined]), [ev('join', 'lobby', 'alice', 1)]],
  [
    'leave carries the state it had',
    lobby(['alice', { mood: 'ok' }], 'bob'),
    lobby('bob'),
    [ev('leave', 'lobby', 'alice', 1, { mood: 'ok' })],
  ],
  ['leave without state', lobby('alice', 'bob'), lobby('alice'), [ev('leave', 'lobby', 'bob', 1)]],
  [
    'state change carries the new state and next count',
    lobby(['alice', { mood: 'ok' }], 'bob'),
    lobby(['alice', { mood: 'busy' }], 'bob'),
    [ev('state-change', 'lobby', 'alice', 2, { mood: 'busy' })],
  ],
  [
    'nested state change',
    lobby(['a', { x: [1, { y: 2 }] }]),
    lobby(['a', { x: [1, { y: 3 }] }]),
    [ev('state-change', 'lobby', 'a', 1, { x: [1, { y: 3 }] })],
  ],
  [
    'array order matters',
    lobby(['a', { x: [1, 2] }]),
    lobby(['a', { x: [2, 1] }]),
    [ev('state-change', 'lobby', 'a', 1, { x: [2, 1] })],
  ],
  [
    'same state, other object and key order: nothing',
    lobby(['a', { p: 1, q: { r: [1, 2], s: 't' } }]),
    lobby(['a', { q: { s: 't', r: [1, 2] }, p: 1 }]),
    [],
  ],
  ['an undefined property is no property (JSON): nothing', lobby(['a', { p: 1, gone: undefined }]), lobby(['a', { p: 1 }]), []],
  ['1 and "1" differ', lobby(['a', { p: 1 }]), lobby(['a', { p: '1' }]), [ev('state-change', 'lobby', 'a', 1, { p: '1' })]],
  ['state added', lobby('a'), lobby(['a', { typing: true }]), [ev('state-change', 'lobby', 'a', 1, { typing: true })]],
  ['state removed: no state key', lobby(['a', { typing: true }]), lobby('a'), [ev('state-change', 'lobby', 'a', 1)]],
  ['state becomes undefined: as if removed', lobby(['a', { typing: true }]), lobby(['a', undefined]), [ev('state-change', 'lobby', 'a', 1)]],
  ['state absent → undefined: nothing', lobby('a'), lobby(['a', undefined]), []],
  ['state undefined → absent: nothing', lobby(['a', undefined]), lobby('a'), []],
  ['state null → absent is a change', lobby(['a', null]), lobby('a'), [ev('state-change', 'lobby', 'a', 1)]],
  ['state absent → null is a change', lobby('a'), lobby(['a', null]), [ev('state-change', 'lobby', 'a', 1, null)]],
  [
    'channel vanished: everyone leaves, counting down',
    snapshot([['lobby', { occupants: [['a', { m: 1 }], ['b', NO_STATE]] }]]),
    EMPTY_HERE_NOW,
    [ev('leave', 'lobby', 'a', 1, { m: 1 }), ev('leave', 'lobby', 'b', 0)],
  ],
  [
    'channel appeared: everyone joins, counting up',
    snapshot([['x', { occupants: [['a', NO_STATE]] }]]),
    snapshot([['x', { occupants: [['a', NO_STATE]] }], ['y', { occupants: [['b', NO_STATE], ['c', { k: 'v' }]] }]]),
    [ev('join', 'y', 'b', 1), ev('join', 'y', 'c', 2, { k: 'v' })],
  ],
  [
    'running occupancy: leaves, then joins, then state changes',
    lobby('a', ['b', 1], 'c', 'd'),
    lobby('e', ['b', 2], 'f', 'd'),
    [
      ev('leave', 'lobby', 'a', 3),
      ev('leave', 'lobby', 'c', 2),
      ev('join', 'lobby', 'e', 3),
      ev('join', 'lobby', 'f', 4),
      ev('state-change', 'lobby', 'b', 4, 2),
    ],
  ],
  [
    'running occupancy starts from prev count, even for a partial page',
    snapshot([['lobby', { occupants: [['a', NO_STATE], ['b', NO_STATE]], count: 10 }]]),
    snapshot([['lobby', { occupants: [['b', { s: 1 }], ['c', NO_STATE], ['d', NO_STATE]], count: 11 }]]),
    [
      ev('leave', 'lobby', 'a', 9),
      ev('join', 'lobby', 'c', 10),
      ev('join', 'lobby', 'd', 11),
      ev('state-change', 'lobby', 'b', 11, { s: 1 }),
    ],
  ],
  [
    'channels in next order, then vanished ones in prev order',
    snapshot([
      ['gone1', { occupants: [['g', NO_STATE]] }],
      ['b', { occupants: [] }],
      ['gone2', { occupants: [['h', NO_STATE]] }],
    ]),
    snapshot([['a', { occupants: [['x', NO_STATE]] }], ['b', { occupants: [['y', NO_STATE]] }]]),
    [ev('join', 'a', 'x', 1), ev('join', 'b', 'y', 1), ev('leave', 'gone1', 'g', 0), ev('leave', 'gone2', 'h', 0)],
  ],
  ['occupancy only in next: nothing', lobby('a', 'b'), snapshot([['lobby', { occupants: [], count: 2 }]]), []],
  ['occupancy only in prev: nothing', snapshot([['lobby', { occupants: [], count: 5 }]]), lobby('a'), []],
  ['occupancy-only channel vanished: nothing', snapshot([['lobby', { occupants: [], count: 5 }]]), EMPTY_HERE_NOW, []],
  ['occupancy-only channel appeared: nothing', EMPTY_HERE_NOW, snapshot([['lobby', { occupants: [], count: 5 }]]), []],
  [
    'a known-empty channel (count 0) is not occupancy only',
    lobby('a'),
    snapshot([['lobby', { occupants: [], count: 0 }]]),
    [ev('leave', 'lobby', 'a', 0)],
  ],
  ['identical snapshot object: nothing', lobby('a', ['b', { s: [1] }]), lobby('a', ['b', { s: [1] }]), []],
  ['both empty: nothing', EMPTY_HERE_NOW, EMPTY_HERE_NOW, []],
  [
    'unicode and emoji uuids and channel names',
    snapshot([['🎉 party', { occupants: [['👩‍💻', { emoji: '🚀' }], ['zoë', NO_STATE]] }]]),
    snapshot([['🎉 party', { occupants: [['👩‍💻', { emoji: '🛸' }], ['渡辺', NO_STATE]] }]]),
    [
      ev('leave', '🎉 party', 'zoë', 1),
      ev('join', '🎉 party', '渡辺', 2),
      ev('state-change', '🎉 party', '👩‍💻', 2, { emoji: '🛸' }),
    ],
  ],
  [
    'uuids that are Object.prototype names',
    lobby('__proto__', 'constructor'),
    lobby('constructor', 'toString'),
    [ev('leave', 'lobby', '__proto__', 1), ev('join', 'lobby', 'toString', 2)],
  ],
  [
    'a canonically equal but differently normalised uuid is another user',
    lobby('caf\u00e9'),
    lobby('cafe\u0301'),
    [ev('leave', 'lobby', 'caf\u00e9', 0), ev('join', 'lobby', 'cafe\u0301', 1)],
  ],
];

describe('diffOccupants', () => {
  it.each(cases)('%s', (_name, prev, next, expected) => {
    // toStrictEqual, not toEqual: `state: undefined` must not sneak in where the key belongs absent.
    expect(diffOccupants(prev, next, T)).toStrictEqual(expected);
  });

  it('names channels by their key in the map, not by channelName', () => {
    const next: HereNowResult = {
      totalChannels: 1,
      totalOccupancy: 1,
      channels: new Map([['lobby', { channelName: 'something-else', count: 1, uuids: new Map([['a', { uuid: 'a' }]]) }]]),
    };
    expect(diffOccupants(EMPTY_HERE_NOW, next, T)).toStrictEqual([ev('join', 'lobby', 'a', 1)]);
  });

  it('yields nothing against a deep copy of itself', () => {
    const s = snapshot([
      ['lobby', { occupants: [['a', { p: { q: [1, { r: null }] } }], ['b', NO_STATE], ['c', undefined]] }],
      ['other', { occupants: [], count: 4 }],
    ]);
    expect(diffOccupants(s, cloneSnapshot(s), T)).toEqual([]);
  });

  it('does not touch its inputs', () => {
    const prev = lobby('a', ['b', { s: 1 }]);
    const next = lobby(['b', { s: 2 }], 'c');
    const dump = () => [prev, next].map((s) => canonical([...s.channels].map(([name, ch]) => [name, ch.count, [...ch.uuids]])));
    const before = dump();
    diffOccupants(prev, next, T);
    expect(dump()).toEqual(before);
  });
});

describe('EMPTY_HERE_NOW', () => {
  it('has no channels and cannot be reassigned', () => {
    expect(EMPTY_HERE_NOW).toEqual({ totalChannels: 0, totalOccupancy: 0, channels: new Map() });
    expect(Object.isFrozen(EMPTY_HERE_NOW)).toBe(true);
  });
});

// ---- diffOccupants: properties ------------------------------------------------------------------

const UUIDS = ['a', 'b', 'c', 'd', 'zoë', '👩‍💻', '__proto__', 'constructor'];
const CHANNELS = ['lobby', 'x', 'y', '🎉', '__proto__'];
/** Shapes that recur, so prev and next often agree on a state while holding different objects. */
const STATE_POOL: readonly unknown[] = [
  { mood: 'ok' },
  { mood: 'busy', tags: ['a', 'b'] },
  { nested: { deep: [1, { x: null }], flag: true } },
  { mood: 'ok', gone: undefined },
  [],
  [1, [2, [3]]],
  0,
  'text',
  null,
];

const stateArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(NO_STATE) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 5, arbitrary: fc.constantFrom(...STATE_POOL).map(reorderedClone) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

type Kind = 'exact' | 'occupancy-only' | 'paged';

const channelArb = fc
  .record({
    occupants: fc.uniqueArray(fc.tuple(fc.constantFrom(...UUIDS), stateArb), {
      selector: ([uuid]) => uuid,
      maxLength: UUIDS.length,
    }),
    kind: fc.constantFrom<Kind>('exact', 'exact', 'exact', 'exact', 'occupancy-only', 'paged'),
    extra: fc.integer({ min: 1, max: 5 }),
  })
  .map(({ occupants, kind, extra }): ChannelSpec & { kind: Kind } =>
    kind === 'exact'
      ? { occupants, kind }
      : kind === 'paged'
        ? { occupants, kind, count: occupants.length + extra }
        : { occupants: [], kind, count: occupants.length + extra },
  );

type ChannelSpecs = ReadonlyArray<readonly [string, ChannelSpec & { readonly kind: Kind }]>;

const channelSpecsArb: fc.Arbitrary<ChannelSpecs> = fc.uniqueArray(fc.tuple(fc.constantFrom(...CHANNELS), channelArb), {
  selector: ([name]) => name,
  maxLength: CHANNELS.length,
});

/** A later snapshot grown from `channels`: most occupants stay (state kept, as a new object, or
 * replaced), some leave, some arrive, a channel now and then vanishes or changes kind, new ones
 * appear. Independent snapshots alone rarely share a uuid on a channel. */
function evolve(channels: ChannelSpecs): fc.Arbitrary<ChannelSpecs> {
  const evolved = channels.map(([name, spec]) => {
    const fates = spec.occupants.map(([uuid, state]) =>
      fc.oneof(
        { weight: 3, arbitrary: fc.constant<readonly [string, unknown] | null>([uuid, reorderedClone(state)]) },
        { weight: 2, arbitrary: stateArb.map((next): readonly [string, unknown] | null => [uuid, next]) },
        { weight: 1, arbitrary: fc.constant(null) },
      ),
    );
    return fc
      .record({
        fate: fc.constantFrom('stay', 'stay', 'stay', 'stay', 'vanish', 'rekind'),
        kept: fc.tuple(...fates),
        added: fc.uniqueArray(fc.tuple(fc.constantFrom(...UUIDS), stateArb), { selector: ([uuid]) => uuid, maxLength: 3 }),
        rekinded: channelArb,
      })
      .map(({ fate, kept, added, rekinded }): ChannelSpecs[number] | null => {
        if (fate === 'vanish') return null;
        if (fate === 'rekind') return [name, rekinded];
        if (spec.kind === 'occupancy-only') return [name, spec];
        const stayed = kept.filter((o): o is readonly [string, unknown] => o !== null);
        const occupants = [...stayed, ...added.filter(([uuid]) => !stayed.some(([u]) => u === uuid))];
        const extra = (spec.count ?? spec.occupants.length) - spec.occupants.length;
        return [
          name,
          spec.kind === 'paged' ? { occupants, kind: 'paged', count: occupants.length + extra } : { occupants, kind: 'exact' },
        ];
      });
  });
  return fc
    .tuple(fc.tuple(...evolved), channelSpecsArb, fc.boolean())
    .map(([stayed, fresh, reversed]) => {
      const kept = stayed.filter((c): c is ChannelSpecs[number] => c !== null);
      const all = [...kept, ...fresh.filter(([name]) => !channels.some(([n]) => n === name))];
      return reversed ? all.reverse() : all;
    });
}

const toSnapshot = (channels: ChannelSpecs) => ({
  snapshot: snapshot(channels),
  kinds: new Map(channels.map(([name, spec]) => [name, spec.kind])),
});

const snapshotArb = channelSpecsArb.map(toSnapshot);

/** prev and next: mostly next grown from prev, sometimes two unrelated snapshots. */
const pairArb = fc.oneof(
  { weight: 1, arbitrary: fc.tuple(snapshotArb, snapshotArb) },
  {
    weight: 4,
    arbitrary: channelSpecsArb.chain((prev) => evolve(prev).map((next) => [toSnapshot(prev), toSnapshot(next)] as const)),
  },
);

const isOccupancyOnly = (ch: ChannelOccupancy | undefined) => ch !== undefined && ch.count > 0 && ch.uuids.size === 0;

/** channel → uuid → state, with `undefined` for "no state". */
type Model = Map<string, Map<string, unknown>>;

function modelOf(s: HereNowResult, skip: ReadonlySet<string>): Model {
  const model: Model = new Map();
  for (const [name, ch] of s.channels) {
    if (!skip.has(name)) model.set(name, new Map([...ch.uuids].map(([uuid, o]) => [uuid, o.state])));
  }
  return model;
}

/** Plays the events on a model the way a UI keeping a member list would. */
function apply(model: Model, events: readonly PresenceEvent[]): Model {
  for (const e of events) {
    let members = model.get(e.channel);
    if (members === undefined) model.set(e.channel, (members = new Map()));
    switch (e.action) {
      case 'join':
        expect(members.has(e.uuid)).toBe(false);
        members.set(e.uuid, e.state);
        break;
      case 'leave':
        expect(members.has(e.uuid)).toBe(true);
        members.delete(e.uuid);
        break;
      case 'state-change':
        expect(members.has(e.uuid)).toBe(true);
        members.set(e.uuid, e.state);
        break;
      default:
        throw new Error(`unexpected action ${e.action}`);
    }
  }
  return model;
}

/** Sorted, JSON-canonical form of a model, empty channels dropped, for a plain deep compare. */
function comparable(model: Model) {
  return [...model]
    .filter(([, members]) => members.size > 0)
    .map(([name, members]) => {
      const sorted = [...members].map(([uuid, state]) => [uuid, canonical(state) ?? '(none)']).sort();
      return [name, sorted] as const;
    })
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const RANK = { leave: 0, timeout: 0, join: 1, 'state-change': 2, 'state-invalid': 3 } as const;
const rank = (e: PresenceEvent) => RANK[e.action];

/** Channels occupancy-only on either side: they say nothing about who, and must be left alone. */
function unknownChannels(prev: HereNowResult, next: HereNowResult): Set<string> {
  const unknown = new Set<string>();
  for (const name of [...prev.channels.keys(), ...next.channels.keys()]) {
    if (isOccupancyOnly(prev.channels.get(name)) || isOccupancyOnly(next.channels.get(name))) unknown.add(name);
  }
  return unknown;
}

describe('diffOccupants properties', () => {
  it('applying the events to prev yields next: same uuids, same states', () => {
    fc.assert(
      fc.property(pairArb, ([{ snapshot: prev }, { snapshot: next }]) => {
        const events = diffOccupants(prev, next, T);
        const unknown = unknownChannels(prev, next);
        expect(events.filter((e) => unknown.has(e.channel))).toEqual([]);
        expect(comparable(apply(modelOf(prev, unknown), events))).toEqual(comparable(modelOf(next, unknown)));
      }),
      { numRuns: 1000 },
    );
  });

  it("orders channels as next's then vanished ones, each channel's events as leaves, joins, state changes", () => {
    fc.assert(
      fc.property(pairArb, fc.integer({ min: 0 }), ([{ snapshot: prev }, { snapshot: next }], timestamp) => {
        const events = diffOccupants(prev, next, timestamp);
        for (const e of events) {
          expect(e.timestamp).toBe(timestamp);
          if ('state' in e) expect(e.state).not.toBeUndefined();
        }
        const order = [...next.channels.keys(), ...[...prev.channels.keys()].filter((n) => !next.channels.has(n))];
        const runs = events.map((e) => e.channel).filter((c, i, all) => i === 0 || all[i - 1] !== c);
        expect(new Set(runs).size).toBe(runs.length);
        expect(runs).toEqual(order.filter((n) => runs.includes(n)));
        for (let i = 1; i < events.length; i++) {
          if (events[i].channel === events[i - 1].channel) {
            expect(rank(events[i])).toBeGreaterThanOrEqual(rank(events[i - 1]));
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("runs occupancy from prev's count by ±1, ending on next's count where counts are exact", () => {
    fc.assert(
      fc.property(pairArb, ([{ snapshot: prev, kinds: prevKinds }, { snapshot: next, kinds: nextKinds }]) => {
        const events = diffOccupants(prev, next, T);
        const running = new Map<string, number>();
        for (const e of events) {
          const before = running.get(e.channel) ?? prev.channels.get(e.channel)?.count ?? 0;
          const after = e.action === 'leave' ? before - 1 : e.action === 'join' ? before + 1 : before;
          if (e.action === 'state-change') expect(e.occupancy).toBe(next.channels.get(e.channel)!.count);
          else expect(e.occupancy).toBe(after);
          running.set(e.channel, after);
        }
        const unknown = unknownChannels(prev, next);
        for (const name of new Set([...prev.channels.keys(), ...next.channels.keys()])) {
          if (unknown.has(name)) continue;
          if ((prevKinds.get(name) ?? 'exact') !== 'exact' || (nextKinds.get(name) ?? 'exact') !== 'exact') continue;
          const final = running.get(name) ?? prev.channels.get(name)?.count ?? 0;
          expect(final).toBe(next.channels.get(name)?.count ?? 0); // 0 for a vanished channel
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a snapshot diffed against itself, or a deep copy of itself, yields nothing', () => {
    fc.assert(
      fc.property(snapshotArb, ({ snapshot: s }) => {
        expect(diffOccupants(s, s, T)).toEqual([]);
        expect(diffOccupants(s, cloneSnapshot(s), T)).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });
});

// ---- jsonEqual ----------------------------------------------------------------------------------

describe('jsonEqual', () => {
  it.each<[string, unknown, unknown, boolean]>([
    ['key order', { a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }, true],
    ['undefined property is absent', { a: 1, b: undefined }, { a: 1 }, true],
    ['undefined vs null property', { a: undefined }, { a: null }, false],
    ['undefined in an array reads as null', [undefined, 1], [null, 1], true],
    ['NaN reads as null', { a: NaN }, { a: null }, true],
    ['-0 is 0', [-0], [0], true],
    ['Date equals its ISO string', { at: new Date(0) }, { at: '1970-01-01T00:00:00.000Z' }, true],
    ['boxed values unbox', [Object(1), Object('s'), Object(true)], [1, 's', true], true],
    ['1 vs "1"', 1, '1', false],
    ['[] vs {}', [], {}, false],
    ['null vs {}', null, {}, false],
    ['top-level undefined vs null', undefined, null, false],
    ['top-level undefined vs undefined', undefined, undefined, true],
    ['top-level undefined vs a value JSON drops', undefined, () => 1, false],
    ['nested, a value JSON drops is absent', { f: () => 1 }, {}, true],
    ['extra key', { a: 1 }, { a: 1, b: 2 }, false],
    ['missing key, same count', { a: 1, b: undefined }, { c: 1 }, false],
    ['array length', [1], [1, undefined], false],
  ])('%s', (_name, a, b, expected) => {
    expect(jsonEqual(a, b)).toBe(expected);
    expect(jsonEqual(b, a)).toBe(expected);
  });

  it('agrees with key-sorted JSON.stringify', () => {
    const anything = fc.anything({
      maxDepth: 3,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withSparseArray: true,
      withTypedArray: true,
    });
    const small = fc.jsonValue({ maxDepth: 2 }).filter((v) => JSON.stringify(v).length < 12);
    const pair = fc.oneof(
      fc.tuple(anything, anything),
      anything.map((v) => [v, v] as const),
      fc.jsonValue({ maxDepth: 4 }).map((v) => [v, reorderedClone(v)] as const),
      fc.tuple(small, small),
    );
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(jsonEqual(a, b)).toBe(canonical(a) === canonical(b));
      }),
      { numRuns: 1000 },
    );
  });
});

// ---- diffOccupancy: marbles ---------------------------------------------------------------------

describe('diffOccupancy', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  const s1 = lobby(['alice', { mood: 'ok' }], 'bob');
  const s2 = lobby(['alice', { mood: 'busy' }], 'carol');
  const s3 = lobby('carol');
  const at = (timestamp: number, e: PresenceEvent): PresenceEvent => ({ ...e, timestamp });

  it('joins everyone in the first snapshot, then emits the differences, stamped with virtual time', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const snapshot$ = cold(' a 9ms b     9ms c|', { a: s1, b: s2, c: s3 });
      const expected = '      (jk) 6ms (lmn) 5ms o|';
      expectObservable(snapshot$.pipe(diffOccupancy())).toBe(expected, {
        j: at(0, ev('join', 'lobby', 'alice', 1, { mood: 'ok' })),
        k: at(0, ev('join', 'lobby', 'bob', 2)),
        l: at(10, ev('leave', 'lobby', 'bob', 1)),
        m: at(10, ev('join', 'lobby', 'carol', 2)),
        n: at(10, ev('state-change', 'lobby', 'alice', 2, { mood: 'busy' })),
        o: at(20, ev('leave', 'lobby', 'alice', 1, { mood: 'busy' })),
      });
      expectSubscriptions(snapshot$.subscriptions).toBe('^ 20ms !');
    });
  });

  it("with initial: 'skip', the first snapshot is only the baseline", () => {
    ts.run(({ cold, expectObservable }) => {
      const snapshot$ = cold(' a 9ms b     9ms c|', { a: s1, b: s2, c: s3 });
      const expected = '      - 9ms (lmn) 5ms o|';
      expectObservable(snapshot$.pipe(diffOccupancy({ initial: 'skip' }))).toBe(expected, {
        l: at(10, ev('leave', 'lobby', 'bob', 1)),
        m: at(10, ev('join', 'lobby', 'carol', 2)),
        n: at(10, ev('state-change', 'lobby', 'alice', 2, { mood: 'busy' })),
        o: at(20, ev('leave', 'lobby', 'alice', 1, { mood: 'busy' })),
      });
    });
  });

  it("with initial: 'skip', a single snapshot yields nothing", () => {
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('a|', { a: s1 }).pipe(diffOccupancy({ initial: 'skip' }))).toBe('-|');
    });
  });

  it("with initial: 'join' (explicit), same as the default", () => {
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('a|', { a: s3 }).pipe(diffOccupancy({ initial: 'join' }))).toBe('j|', {
        j: at(0, ev('join', 'lobby', 'carol', 1)),
      });
    });
  });

  it('identical snapshots emit nothing', () => {
    ts.run(({ cold, expectObservable }) => {
      const snapshot$ = cold(' a 4ms b 4ms c|', { a: s3, b: lobby('carol'), c: cloneSnapshot(s3) });
      expectObservable(snapshot$.pipe(diffOccupancy())).toBe('j 4ms - 4ms -|', {
        j: at(0, ev('join', 'lobby', 'carol', 1)),
      });
    });
  });

  it('an empty source completes without events', () => {
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold<HereNowResult>('---|').pipe(diffOccupancy())).toBe('---|');
    });
  });

  it('passes errors through, after the events before them', () => {
    ts.run(({ cold, expectObservable }) => {
      const failure = new Error('poll failed');
      const snapshot$ = cold(' a 4ms #', { a: s3 }, failure);
      const expected = '      j 4ms #';
      expectObservable(snapshot$.pipe(diffOccupancy())).toBe(expected, { j: at(0, ev('join', 'lobby', 'carol', 1)) }, failure);
    });
  });

  it('keeps a baseline per subscriber: a late one sees the current snapshot as joins', () => {
    ts.run(({ hot, expectObservable }) => {
      const snapshot$ = hot(' a 9ms b 9ms c', { a: s1, b: s2, c: s3 });
      const diff$ = snapshot$.pipe(diffOccupancy());
      expectObservable(diff$, '5ms ^').toBe('10ms (jk) 6ms o', {
        j: at(10, ev('join', 'lobby', 'alice', 1, { mood: 'busy' })),
        k: at(10, ev('join', 'lobby', 'carol', 2)),
        o: at(20, ev('leave', 'lobby', 'alice', 1, { mood: 'busy' })),
      });
      expectObservable(diff$).toBe('(jk) 6ms (lmn) 5ms o', {
        j: at(0, ev('join', 'lobby', 'alice', 1, { mood: 'ok' })),
        k: at(0, ev('join', 'lobby', 'bob', 2)),
        l: at(10, ev('leave', 'lobby', 'bob', 1)),
        m: at(10, ev('join', 'lobby', 'carol', 2)),
        n: at(10, ev('state-change', 'lobby', 'alice', 2, { mood: 'busy' })),
        o: at(20, ev('leave', 'lobby', 'alice', 1, { mood: 'busy' })),
      });
    });
  });

  it('stops the source when the subscriber leaves', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const snapshot$ = cold(' a 9ms b 9ms c|', { a: s1, b: s2, c: s3 });
      expectObservable(snapshot$.pipe(diffOccupancy()), '^ 14ms !').toBe('(jk) 6ms (lmn)', {
        j: at(0, ev('join', 'lobby', 'alice', 1, { mood: 'ok' })),
        k: at(0, ev('join', 'lobby', 'bob', 2)),
        l: at(10, ev('leave', 'lobby', 'bob', 1)),
        m: at(10, ev('join', 'lobby', 'carol', 2)),
        n: at(10, ev('state-change', 'lobby', 'alice', 2, { mood: 'busy' })),
      });
      expectSubscriptions(snapshot$.subscriptions).toBe('^ 14ms !');
    });
  });
});
