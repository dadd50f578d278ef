import * as t from 'io-ts';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { PresenceError } from '../../lib/errors';
import { hereNow$ } from '../../lib/streams/here-now-stream';
import { presenceEvents$ } from '../../lib/streams/presence-events-stream';
import { fakeContext } from '../helpers/fake-transport';

let ts: TestScheduler;
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

/** A single-channel here-now body (the flat shape), uuids with optional state. */
const lobby = (...occupants: Array<string | { uuid: string; state: unknown }>) => ({
  status: 200,
  message: 'OK',
  service: 'Presence',
  occupancy: occupants.length,
  uuids: occupants,
});
const uuidsOf = (r: { channels: ReadonlyMap<string, { uuids: ReadonlyMap<string, unknown> }> }) => [...(r.channels.get('lobby')?.uuids.keys() ?? [])];
const serverError = new PresenceError('server-error', 'hereNow failed: 503', { operation: 'hereNow', statusCode: 503 });
const forbidden = new PresenceError('access-denied', 'hereNow failed: 403', { operation: 'hereNow', statusCode: 403 });

describe('hereNow$', () => {
  it('polls every interval and shares one poll between identical subscriptions', () => {
    ts.run(({ cold, expectObservable }) => {
      const answers = [lobby('alice'), lobby('alice', 'bob'), lobby('bob')];
      const fake = fakeContext({ hereNow: (_r, call) => cold('-(a|)', { a: answers[Math.min(call, 2)] }) });
      const first = hereNow$(fake.context, { channels: ['lobby'], interval: 10 }).pipe(mapUuids());
      const second = hereNow$(fake.context, { channels: ['lobby'], interval: 10 }).pipe(mapUuids());
      expectObservable(first, '^ 25s !').toBe('-a 9999ms b 9999ms c', { a: ['alice'], b: ['alice', 'bob'], c: ['bob'] });
      expectObservable(second, '^ 25s !').toBe('-a 9999ms b 9999ms c', { a: ['alice'], b: ['alice', 'bob'], c: ['bob'] });
      ts.flush();
      expect(fake.of('hereNow').map((r) => r.at)).toEqual([0, 10000, 20000]);
    });
  });

  it('gives a late subscriber the latest snapshot at once', () => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({ hereNow: () => cold('-(a|)', { a: lobby('alice') }) });
      const poll = () => hereNow$(fake.context, { channels: ['lobby'], interval: 10 }).pipe(mapUuids());
      const early = poll().subscribe();
      expectObservable(poll(), '5s ^ 6s !').toBe('5s a 5000ms b', { a: ['alice'], b: ['alice'] });
      ts.schedule(() => early.unsubscribe(), 20_000);
      ts.flush();
      expect(fake.of('hereNow')).toHaveLength(2);
    });
  });

  it('stops polling when the last subscriber leaves', () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({ hereNow: () => cold('-(a|)', { a: lobby('alice') }) });
      const sub = hereNow$(fake.context, { channels: ['lobby'], interval: 10 }).subscribe();
      ts.schedule(() => sub.unsubscribe(), 15_000);
      ts.schedule(() => undefined, 60_000);
      ts.flush();
      expect(fake.of('hereNow').map((r) => r.at)).toEqual([0, 10000]);
    });
  });

  it('skips a failed poll instead of erroring or emitting', () => {
    ts.run(({ cold, expectObservable }) => {
      const answers = [cold('-(a|)', { a: lobby('alice') }), cold('-#', undefined, serverError), cold('-(a|)', { a: lobby('alice') })];
      const fake = fakeContext({ hereNow: (_r, call) => answers[call] });
      expectObservable(hereNow$(fake.context, { channels: ['lobby'], interval: 10 }).pipe(mapUuids()), '^ 25s !').toBe('-a 19999ms b', {
        a: ['alice'],
        b: ['alice'],
      });
    });
  });

  it('errors on a permanent failure', () => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({ hereNow: () => cold('-#', undefined, forbidden) });
      expectObservable(hereNow$(fake.context, { channels: ['lobby'], interval: 10 })).toBe('-#', undefined, forbidden);
    });
  });

  it('rejects an interval under the service cache', () => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({ hereNow: () => cold('-(a|)', { a: lobby() }) });
      expectObservable(hereNow$(fake.context, { channels: ['lobby'], interval: 2 })).toBe('#', undefined, expect.objectContaining({ category: 'validation' }));
    });
  });
});

describe('hereNow$ over overlapping channels', () => {
  /** The payload shape for a union request: who is where. */
  const multi = (where: Record<string, string[]>) => ({
    status: 200,
    message: 'OK',
    service: 'Presence',
    payload: {
      channels: Object.fromEntries(Object.entries(where).map(([c, uuids]) => [c, { occupancy: uuids.length, uuids }])),
      total_channels: Object.keys(where).length,
      total_occupancy: Object.values(where).reduce((n, u) => n + u.length, 0),
    },
  });
  const view = (r: { totalChannels: number; totalOccupancy: number; channels: ReadonlyMap<string, { count: number }> }) => ({
    totalChannels: r.totalChannels,
    totalOccupancy: r.totalOccupancy,
    counts: Object.fromEntries([...r.channels].map(([c, o]) => [c, o.count])),
  });

  it('polls the union once per interval; each subscriber sees its own channels', () => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({ hereNow: () => cold('-(a|)', { a: multi({ a: ['x'], b: ['x', 'y'], c: ['z'] }) }) });
      const ab = hereNow$(fake.context, { channels: ['a', 'b'], interval: 10 }).pipe(map(view));
      const bc = hereNow$(fake.context, { channels: ['b', 'c'], interval: 10 }).pipe(map(view));
      expectObservable(ab, '^ 15s !').toBe('-a 9999ms a', { a: { totalChannels: 2, totalOccupancy: 3, counts: { a: 1, b: 2 } } });
      expectObservable(bc, '^ 15s !').toBe('-a 9999ms a', { a: { totalChannels: 2, totalOccupancy: 3, counts: { b: 2, c: 1 } } });
      ts.flush();
      expect(fake.of('hereNow').map((r) => [r.at, r.channels])).toEqual([
        [0, ['a', 'b', 'c']],
        [10000, ['a', 'b', 'c']],
      ]);
    });
  });

  it('polls at once for a new channel; a subscriber only sees snapshots that covered its channels', () => {
    ts.run(({ cold, expectObservable }) => {
      // The service answers one channel in the flat shape, several in the payload shape.
      const fake = fakeContext({
        hereNow: (r) => cold('-(a|)', { a: r.path.endsWith('/channel/a') ? lobby('x') : multi({ a: ['x'], d: ['w'] }) }),
      });
      const a = hereNow$(fake.context, { channels: ['a'], interval: 10 }).subscribe();
      const d = hereNow$(fake.context, { channels: ['d'], interval: 10 }).pipe(map(view));
      expectObservable(d, '4s ^ 2s !').toBe('4001ms a', { a: { totalChannels: 1, totalOccupancy: 1, counts: { d: 1 } } });
      ts.schedule(() => a.unsubscribe(), 30_000);
      ts.flush();
      expect(fake.of('hereNow').map((r) => [r.at, r.channels])).toEqual([
        [0, ['a']],
        [4000, ['a', 'd']],
        [14000, ['a']],
        [24000, ['a']],
      ]);
    });
  });

  it('reports a requested channel the answer omits as empty', () => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({ hereNow: () => cold('-(a|)', { a: multi({ a: ['x'] }) }) });
      expectObservable(hereNow$(fake.context, { channels: ['a', 'quiet'], interval: 10 }).pipe(map(view)), '^ 5s !').toBe('-a', {
        a: { totalChannels: 2, totalOccupancy: 1, counts: { a: 1, quiet: 0 } },
      });
    });
  });
});

describe('presenceEvents$', () => {
  const event = (action: string, uuid: string, occupancy: number, timestamp: number, extra: object = {}) => ({
    action,
    channel: 'lobby',
    uuid,
    occupancy,
    timestamp,
    ...extra,
  });

  it('turns snapshots into joins, leaves and state changes', () => {
    ts.run(({ cold, expectObservable }) => {
      const answers = [
        lobby({ uuid: 'alice', state: { mood: 'ok' } }),
        lobby({ uuid: 'alice', state: { mood: 'ok' } }, { uuid: 'bob', state: { mood: 'hi' } }),
        lobby({ uuid: 'bob', state: { mood: 'away' } }),
      ];
      const fake = fakeContext({ hereNow: (_r, call) => cold('-(a|)', { a: answers[Math.min(call, 2)] }) });
      expectObservable(presenceEvents$(fake.context, { channels: ['lobby'], interval: 10, stateInfo: 'all' }), '^ 25s !').toBe(
        '-a 9999ms b 9999ms (cd)',
        {
          a: event('join', 'alice', 1, 1, { state: { mood: 'ok' } }),
          b: event('join', 'bob', 2, 10001, { state: { mood: 'hi' } }),
          c: event('leave', 'alice', 1, 20001, { state: { mood: 'ok' } }),
          d: event('state-change', 'bob', 1, 20001, { state: { mood: 'away' } }),
        },
      );
    });
  });

  it('yields no joins for the first snapshot with initial: skip', () => {
    ts.run(({ cold, expectObservable }) => {
      const answers = [lobby('alice'), lobby('alice', 'bob')];
      const fake = fakeContext({ hereNow: (_r, call) => cold('-(a|)', { a: answers[Math.min(call, 1)] }) });
      expectObservable(presenceEvents$(fake.context, { channels: ['lobby'], interval: 10, initial: 'skip' }), '^ 15s !').toBe('10001ms b', {
        b: event('join', 'bob', 2, 10001),
      });
    });
  });

  it('suppresses a flap within the grace window, and leaves once after it', () => {
    ts.run(({ cold, expectObservable }) => {
      // alice vanishes at 10 s, is back at 20 s (a flap); bob vanishes at 20 s for good.
      const answers = [lobby('alice', 'bob'), lobby('bob'), lobby('alice'), lobby('alice')];
      const fake = fakeContext({ hereNow: (_r, call) => cold('-(a|)', { a: answers[Math.min(call, 3)] }) });
      expectObservable(presenceEvents$(fake.context, { channels: ['lobby'], interval: 10, graceMs: 15_000 }), '^ 40s !').toBe(
        '-(ab) 34996ms c',
        {
          a: event('join', 'alice', 1, 1),
          b: event('join', 'bob', 2, 1),
          c: event('leave', 'bob', 0, 20001),
        },
      );
    });
  });

  it('decodes state with a codec; a bad state is a state-invalid event, not an error', () => {
    ts.run(({ cold, expectObservable }) => {
      const answers = [lobby({ uuid: 'alice', state: { mood: 'ok' } }, { uuid: 'bob', state: { mood: 42 } })];
      const fake = fakeContext({ hereNow: () => cold('-(a|)', { a: answers[0] }) });
      const codec = t.type({ mood: t.string });
      expectObservable(presenceEvents$(fake.context, { channels: ['lobby'], interval: 10, stateCodec: codec }), '^ 5s !').toBe('-(ab)', {
        a: event('join', 'alice', 1, 1, { state: { mood: 'ok' } }),
        b: event('state-invalid', 'bob', 2, 1, { state: { mood: 42 }, issues: ['at mood: expected string, got 42'] }),
      });
      ts.flush();
      expect(fake.of('hereNow')[0].query).toMatchObject({ state: '1' });
    });
  });

  it('never turns a failed poll into leaves', () => {
    ts.run(({ cold, expectObservable }) => {
      const answers = [cold('-(a|)', { a: lobby('alice') }), cold('-#', undefined, serverError), cold('-(a|)', { a: lobby('alice') })];
      const fake = fakeContext({ hereNow: (_r, call) => answers[call] });
      expectObservable(presenceEvents$(fake.context, { channels: ['lobby'], interval: 10 }), '^ 25s !').toBe('-a', { a: event('join', 'alice', 1, 1) });
    });
  });
});

function mapUuids() {
  return map(uuidsOf);
}
