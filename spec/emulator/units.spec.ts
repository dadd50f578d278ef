/** The emulator's pieces on their own: queue, store, parsing, routing, JSON layout. */
import fc from 'fast-check';
import type { EmulatorPresenceEvent } from '../../lib/emulator';
import { ChannelGroups } from '../../lib/emulator/channel-groups';
import { ExpiryQueue } from '../../lib/emulator/expiry-queue';
import { RequestQuery } from '../../lib/emulator/query';
import { pythonJson } from '../../lib/emulator/responses';
import { matchRoute } from '../../lib/emulator/router';
import { heartbeatStates } from '../../lib/emulator/state';
import { PresenceStore } from '../../lib/emulator/store';
import { ManualClock } from '../helpers/emulator';

describe('ExpiryQueue', () => {
  it('pops due deadlines in time order, whatever the push order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000 })), fc.integer({ min: 0, max: 1_000 }), (times, now) => {
        const queue = new ExpiryQueue<number>();
        times.forEach((at, i) => queue.push(at, i));
        const popped: number[] = [];
        for (let due = queue.popDue(now); due; due = queue.popDue(now)) popped.push(due.at);
        expect(popped).toEqual(times.filter((at) => at <= now).sort((a, b) => a - b));
        expect(queue.size).toBe(times.filter((at) => at > now).length);
      }),
    );
  });

  it('rebuild heapifies any array', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000 })), (times) => {
        const queue = new ExpiryQueue<null>();
        queue.rebuild(times.map((at) => ({ at, item: null })));
        const popped: number[] = [];
        for (let due = queue.popDue(Infinity); due; due = queue.popDue(Infinity)) popped.push(due.at);
        expect(popped).toEqual([...times].sort((a, b) => a - b));
      }),
    );
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

  it('keeps one queue entry per occupant across repeated heartbeats', () => {
    for (let beat = 0; beat < 100; beat++) {
      store.heartbeat('alice', ['a', 'b'], 300);
      clock.advance(1_000);
    }
    expect(store.queuedDeadlines).toBe(2);
  });

  it('compacts stale deadlines under join/leave churn', () => {
    for (let i = 0; i < 20_000; i++) {
      store.heartbeat(`u${i % 10}`, ['lobby'], 300);
      store.leave(`u${i % 10}`, ['lobby']);
    }
    expect(store.size).toBe(0);
    expect(store.queuedDeadlines).toBeLessThanOrEqual(1024 + 2);
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
});

describe('ChannelGroups', () => {
  it('expands groups after explicit channels, each channel once', () => {
    const groups = new ChannelGroups();
    groups.add('g1', ['a', 'b']);
    groups.add('g2', ['b', 'c']);
    expect(groups.expand(['g1', 'g2', 'missing'], ['c'])).toEqual(['c', 'a', 'b']);
  });
});
