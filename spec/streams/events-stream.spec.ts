import { NEVER } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { PresenceError } from '../../lib/errors';
import { events$ } from '../../lib/streams/events-stream';
import { fakeContext } from '../helpers/fake-transport';

let ts: TestScheduler;
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const envelope = (t: string, ...m: object[]) => ({ t: { t, r: 1 }, m });
const presence = (t: string, d: object, channel = 'lobby') => ({ a: '1', f: 0, p: { t, r: 1 }, k: 'sub', c: `${channel}-pnpres`, b: `${channel}-pnpres`, d });
const lobby = (...occupants: Array<string | { uuid: string; state: unknown }>) => ({ status: 200, message: 'OK', service: 'Presence', occupancy: occupants.length, uuids: occupants });
const serverError = new PresenceError('server-error', 'subscribe failed: 503', { operation: 'subscribe', statusCode: 503 });

describe('events$ (subscribe long-poll)', () => {
  it('joins for who is there, then the service events with timetokens, timeout told apart from leave', () => {
    ts.run(({ cold, expectObservable }) => {
      const polls = [
        cold('-(a|)', { a: envelope('100') }),
        cold('5ms (a|)', { a: envelope('101', presence('101', { action: 'join', uuid: 'bob', occupancy: 2, timestamp: 7, data: { mood: 'hi' } })) }),
        cold('5ms (a|)', { a: envelope('102', presence('102', { action: 'timeout', uuid: 'bob', occupancy: 1, timestamp: 8 }), presence('102', { action: 'leave', uuid: 'alice', occupancy: 0, timestamp: 8 })) }),
      ];
      const fake = fakeContext({
        subscribe: (_r, call) => polls[call] ?? cold('-'),
        hereNow: () => cold('-(a|)', { a: lobby({ uuid: 'alice', state: { mood: 'ok' } }) }),
      });
      expectObservable(events$(fake.context, { channels: ['lobby'] }), '^ 50ms !').toBe('--a 4ms b 4ms (cd)', {
        a: { action: 'join', channel: 'lobby', uuid: 'alice', occupancy: 1, timestamp: 2, state: { mood: 'ok' } },
        b: { action: 'join', channel: 'lobby', uuid: 'bob', occupancy: 2, timestamp: 7000, timetoken: '101', state: { mood: 'hi' } },
        c: { action: 'timeout', channel: 'lobby', uuid: 'bob', occupancy: 1, timestamp: 8000, timetoken: '102', state: { mood: 'hi' } },
        d: { action: 'leave', channel: 'lobby', uuid: 'alice', occupancy: 0, timestamp: 8000, timetoken: '102', state: { mood: 'ok' } },
      });
      ts.flush();
      expect(fake.of('subscribe').map((r) => [r.path, r.query.tt])).toEqual([
        ['/v2/subscribe/sub/lobby-pnpres/0', '0'],
        ['/v2/subscribe/sub/lobby-pnpres/0', '100'],
        ['/v2/subscribe/sub/lobby-pnpres/0', '101'],
        ['/v2/subscribe/sub/lobby-pnpres/0', '102'],
      ]);
    });
  });

  it('a replayed event (already in the snapshot) yields nothing', () => {
    ts.run(({ cold, expectObservable }) => {
      const polls = [cold('(a|)', { a: envelope('100') }), cold('1ms (a|)', { a: envelope('101', presence('101', { action: 'join', uuid: 'alice', occupancy: 1, timestamp: 7 })) })];
      const fake = fakeContext({ subscribe: (_r, call) => polls[call] ?? cold('-'), hereNow: () => cold('(a|)', { a: lobby('alice') }) });
      expectObservable(events$(fake.context, { channels: ['lobby'], initial: 'skip' }), '^ 20ms !').toBe('');
    });
  });

  it('reconnects after a failure and resumes from its timetoken', () => {
    ts.run(({ cold, expectObservable }) => {
      const polls = [
        cold('(a|)', { a: envelope('100') }),
        cold('1ms #', undefined, serverError),
        cold('1ms (a|)', { a: envelope('101', presence('101', { action: 'join', uuid: 'bob', occupancy: 1, timestamp: 7 })) }),
      ];
      const fake = fakeContext({ subscribe: (_r, call) => polls[call] ?? cold('-'), hereNow: () => cold('(a|)', { a: lobby() }) });
      expectObservable(events$(fake.context, { channels: ['lobby'], reconnectDelay: 1 }), '^ 2s !').toBe('1002ms a', {
        a: { action: 'join', channel: 'lobby', uuid: 'bob', occupancy: 1, timestamp: 7000, timetoken: '101' },
      });
      ts.flush();
      expect(fake.of('subscribe').map((r) => r.query.tt)).toEqual(['0', '100', '100', '101']);
    });
  });

  it('repairs a gap: when the occupancy disagrees, re-reads the channel and emits the difference', () => {
    ts.run(({ cold, expectObservable }) => {
      // We missed carol's join: the next event says 3 are here while we count 2.
      const polls = [cold('(a|)', { a: envelope('100') }), cold('1ms (a|)', { a: envelope('101', presence('101', { action: 'join', uuid: 'bob', occupancy: 3, timestamp: 7 })) })];
      const answers = [lobby('alice'), lobby('alice', 'bob', 'carol')];
      const fake = fakeContext({ subscribe: (_r, call) => polls[call] ?? cold('-'), hereNow: (_r, call) => cold('1ms (a|)', { a: answers[call] }) });
      expectObservable(events$(fake.context, { channels: ['lobby'], initial: 'skip' }), '^ 20ms !').toBe('-- a c', {
        a: { action: 'join', channel: 'lobby', uuid: 'bob', occupancy: 3, timestamp: 7000, timetoken: '101' },
        c: { action: 'join', channel: 'lobby', uuid: 'carol', occupancy: 3, timestamp: 3 },
      });
    });
  });

  it('expands interval deltas, and re-reads the channel on here_now_refresh', () => {
    ts.run(({ cold, expectObservable }) => {
      const polls = [
        cold('(a|)', { a: envelope('100') }),
        cold('1ms (a|)', { a: envelope('101', presence('101', { action: 'interval', occupancy: 2, timestamp: 7, join: ['c', 'd'], leave: ['a'], timeout: ['b'] })) }),
        cold('10ms (a|)', { a: envelope('102', presence('102', { action: 'interval', occupancy: 2, timestamp: 8, here_now_refresh: true })) }),
      ];
      const answers = [lobby('a', 'b'), lobby('d', 'e')];
      const fake = fakeContext({ subscribe: (_r, call) => polls[call] ?? cold('-'), hereNow: (_r, call) => cold('(a|)', { a: answers[call] }) });
      const at = { channel: 'lobby', occupancy: 2, timestamp: 7000, timetoken: '101' };
      expectObservable(events$(fake.context, { channels: ['lobby'], initial: 'skip' }), '^ 20ms !').toBe('-(abcd) 4ms (ef)', {
        a: { ...at, action: 'leave', uuid: 'a' },
        b: { ...at, action: 'timeout', uuid: 'b' },
        c: { ...at, action: 'join', uuid: 'c' },
        d: { ...at, action: 'join', uuid: 'd' },
        e: { action: 'leave', channel: 'lobby', uuid: 'c', occupancy: 1, timestamp: 11 },
        f: { action: 'join', channel: 'lobby', uuid: 'e', occupancy: 2, timestamp: 11 },
      });
    });
  });

  it('unsubscribing aborts the long-poll in flight', () => {
    ts.run(({ cold, expectSubscriptions }) => {
      const held = cold('-');
      const polls = [cold('(a|)', { a: envelope('100') }), held];
      const fake = fakeContext({ subscribe: (_r, call) => polls[call] ?? NEVER, hereNow: () => cold('(a|)', { a: lobby() }) });
      const subscription = events$(fake.context, { channels: ['lobby'] }).subscribe();
      ts.schedule(() => subscription.unsubscribe(), 30);
      ts.flush();
      expectSubscriptions(held.subscriptions).toBe('^ 29ms !');
    });
  });

  it('with withHeartbeat, subscribes to the channel itself with the timeout, heartbeats, and leaves once at the end', () => {
    ts.run(({ cold }) => {
      const polls = [cold('(a|)', { a: envelope('100') })];
      const fake = fakeContext({
        subscribe: (_r, call) => polls[call] ?? cold('-'),
        hereNow: () => cold('(a|)', { a: lobby() }),
        heartbeat: () => cold('(a|)', { a: { status: 200, message: 'OK', service: 'Presence' } }),
        leave: () => cold('(a|)', { a: { status: 200, action: 'leave', message: 'OK', service: 'Presence' } }),
      });
      const subscription = events$(fake.context, { channels: ['lobby'], withHeartbeat: true, heartbeat: 60 }).subscribe();
      ts.schedule(() => subscription.unsubscribe(), 40_000);
      ts.flush();
      expect(fake.of('subscribe')[0].path).toBe('/v2/subscribe/sub/lobby,lobby-pnpres/0');
      expect(fake.of('subscribe')[0].query.heartbeat).toBe('60');
      expect(fake.of('heartbeat').map((r) => r.at)).toEqual([0, 29_000]);
      expect(fake.of('leave').map((r) => r.channels)).toEqual([['lobby']]);
    });
  });
});
