import { take, takeUntil, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { PresenceError } from '../../lib/errors';
import { heartbeat$ } from '../../lib/streams/heartbeat-stream';
import { bodies, fakeContext } from '../helpers/fake-transport';

const serverError = new PresenceError('server-error', 'heartbeat failed: 503', { operation: 'heartbeat', statusCode: 503 });
const forbidden = new PresenceError('access-denied', 'heartbeat failed: 403', { operation: 'heartbeat', statusCode: 403 });

let ts: TestScheduler;
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const ok = (timestamp: number, channels = ['lobby']) => ({ type: 'ok', timestamp, channels, channelGroups: [] });

describe('heartbeat$', () => {
  it('announces at once, then every interval, and leaves once on unsubscribe', () => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({ heartbeat: () => cold('-a|', { a: bodies.heartbeat }), leave: () => cold('-a|', { a: bodies.leave }) });
      expectObservable(heartbeat$(fake.context, { channels: ['lobby'], heartbeat: 30, interval: 10 }), '^ 25s !').toBe('-a 9999ms b 9999ms c', {
        a: ok(1),
        b: ok(10001),
        c: ok(20001),
      });
      ts.flush();
      expect(fake.of('heartbeat').map((r) => r.at)).toEqual([0, 10000, 20000]);
      expect(fake.of('heartbeat')[0].query).toMatchObject({ heartbeat: '30' });
      expect(fake.of('leave').map((r) => [r.at, r.channels])).toEqual([[25001, ['lobby']]]);
    });
  });

  it('defaults the interval to heartbeat / 2 - 1', () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({ heartbeat: () => cold('a|', { a: bodies.heartbeat }), leave: () => cold('a|', { a: bodies.leave }) });
      const sub = heartbeat$(fake.context, { channels: ['lobby'], heartbeat: 60 }).subscribe();
      ts.schedule(() => sub.unsubscribe(), 60_000);
      ts.flush();
      expect(fake.of('heartbeat').map((r) => r.at)).toEqual([0, 29_000, 58_000]);
    });
  });

  it('leaves exactly once after take(n)', () => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({ heartbeat: () => cold('-a|', { a: bodies.heartbeat }), leave: () => cold('-a|', { a: bodies.leave }) });
      expectObservable(heartbeat$(fake.context, { channels: ['lobby'], heartbeat: 30, interval: 10 }).pipe(take(2))).toBe('-a 9999ms (b|)', {
        a: ok(1),
        b: ok(10001),
      });
      ts.flush();
      expect(fake.of('leave').map((r) => r.at)).toEqual([10001]);
    });
  });

  it('leaves exactly once with takeUntil, aborting a heartbeat in flight', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const beat = cold('5s a|', { a: bodies.heartbeat });
      const fake = fakeContext({ heartbeat: () => beat, leave: () => cold('-a|', { a: bodies.leave }) });
      expectObservable(heartbeat$(fake.context, { channels: ['lobby'], heartbeat: 30, interval: 10 }).pipe(takeUntil(timer(2000)))).toBe('2s |');
      expectSubscriptions(beat.subscriptions).toBe('^ 1999ms !');
      ts.flush();
      expect(fake.of('leave').map((r) => r.at)).toEqual([2000]);
    });
  });

  it('reports a transient failure, retries with backoff, then resumes the cadence', () => {
    ts.run(({ cold, expectObservable }) => {
      const answers = [cold('-#', undefined, serverError), cold('-#', undefined, serverError), cold('-a|', { a: bodies.heartbeat })];
      const fake = fakeContext({
        heartbeat: (_r, call) => answers[call] ?? cold('-a|', { a: bodies.heartbeat }),
        leave: () => cold('-a|', { a: bodies.leave }),
      });
      const stream = heartbeat$(fake.context, { channels: ['lobby'], heartbeat: 30, interval: 10, retryDelay: 1 });
      // fail at 1, retry after 1s (t=1001) fails at 1002, retry after 2s (t=3002) succeeds at 3003;
      // the cadence stays on the 10 s grid: the next tick at 10000 is a normal heartbeat.
      expectObservable(stream, '^ 15s !').toBe('-f 1000ms g 2000ms a 6997ms b', {
        f: { type: 'failed', timestamp: 1, channels: ['lobby'], channelGroups: [], error: serverError, attempt: 1, retryInMs: 1000 },
        g: { type: 'failed', timestamp: 1002, channels: ['lobby'], channelGroups: [], error: serverError, attempt: 2, retryInMs: 2000 },
        a: ok(3003),
        b: ok(10001),
      });
      ts.flush();
      expect(fake.of('heartbeat').map((r) => r.at)).toEqual([0, 1001, 3002, 10000]);
      expect(fake.of('leave')).toHaveLength(1);
    });
  });

  it('errors on a permanent failure, and still leaves exactly once', () => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({ heartbeat: () => cold('-#', undefined, forbidden), leave: () => cold('-a|', { a: bodies.leave }) });
      expectObservable(heartbeat$(fake.context, { channels: ['lobby'], heartbeat: 30, interval: 10 })).toBe('-#', undefined, forbidden);
      ts.flush();
      expect(fake.of('heartbeat')).toHaveLength(1);
      expect(fake.of('leave').map((r) => r.at)).toEqual([1]);
    });
  });

  it('merges overlapping subscriptions into one request per interval over the union', () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({ heartbeat: () => cold('-a|', { a: bodies.heartbeat }), leave: () => cold('-a|', { a: bodies.leave }) });
      const options = { heartbeat: 30, interval: 10 };
      const subs = Array.from({ length: 50 }, (_, i) => heartbeat$(fake.context, { ...options, channels: ['lobby', `room-${i % 5}`] }).subscribe());
      ts.schedule(() => subs.forEach((s) => s.unsubscribe()), 35_000);
      ts.flush();
      const beats = fake.of('heartbeat');
      // The first subscription announces at once; the next four bring new channels, each announced
      // at once (same frame); then one request per interval.
      expect(beats.filter((b) => b.at > 0).map((b) => b.at)).toEqual([10000, 20000, 30000]);
      expect(new Set(beats.at(-1)!.channels)).toEqual(new Set(['lobby', 'room-0', 'room-1', 'room-2', 'room-3', 'room-4']));
      expect(fake.of('leave')).toHaveLength(1);
      expect(new Set(fake.of('leave')[0].channels)).toEqual(new Set(['lobby', 'room-0', 'room-1', 'room-2', 'room-3', 'room-4']));
    });
  });

  it('leaves only the channels no subscription holds any more, and announces a new one at once', () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({ heartbeat: () => cold('-a|', { a: bodies.heartbeat }), leave: () => cold('-a|', { a: bodies.leave }) });
      const options = { heartbeat: 30, interval: 10 };
      const a = heartbeat$(fake.context, { ...options, channels: ['lobby', 'a'] }).subscribe();
      let b = a;
      ts.schedule(() => (b = heartbeat$(fake.context, { ...options, channels: ['lobby', 'b'] }).subscribe()), 3000);
      ts.schedule(() => a.unsubscribe(), 5000);
      ts.schedule(() => b.unsubscribe(), 25_000);
      ts.flush();
      expect(fake.of('heartbeat').map((r) => [r.at, r.channels])).toEqual([
        [0, ['lobby', 'a']],
        [3000, ['lobby', 'a', 'b']],
        [13000, ['lobby', 'b']],
        [23000, ['lobby', 'b']],
      ]);
      expect(fake.of('leave').map((r) => [r.at, r.channels])).toEqual([
        [5000, ['a']],
        [25000, ['lobby', 'b']],
      ]);
    });
  });

  it('sends per-channel state with every heartbeat', () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({ heartbeat: () => cold('-a|', { a: bodies.heartbeat }), leave: () => cold('-a|', { a: bodies.leave }) });
      const sub = heartbeat$(fake.context, { channels: ['lobby'], heartbeat: 30, interval: 10, state: { lobby: { mood: 'ok' } } }).subscribe();
      ts.schedule(() => sub.unsubscribe(), 15_000);
      ts.flush();
      expect(fake.of('heartbeat').map((r) => r.query.state)).toEqual(['{"lobby":{"mood":"ok"}}', '{"lobby":{"mood":"ok"}}']);
    });
  });

  it('takes state as an Observable: each new state is announced at once, and rides on every heartbeat after', () => {
    ts.run(({ cold, hot, expectObservable }) => {
      const fake = fakeContext({ heartbeat: () => cold('-a|', { a: bodies.heartbeat }), leave: () => cold('-a|', { a: bodies.leave }) });
      const state$ = hot('a 3999ms b', { a: { lobby: { mood: 'ok' } }, b: { lobby: { mood: 'busy' } } });
      expectObservable(heartbeat$(fake.context, { channels: ['lobby'], heartbeat: 30, interval: 10, state: state$ }), '^ 15s !').toBe('-a 3999ms b 9999ms c', {
        a: ok(1),
        b: ok(4001),
        c: ok(14001),
      });
      ts.flush();
      expect(fake.of('heartbeat').map((r) => [r.at, r.query.state])).toEqual([
        [0, '{"lobby":{"mood":"ok"}}'],
        [4000, '{"lobby":{"mood":"busy"}}'],
        [14000, '{"lobby":{"mood":"busy"}}'],
      ]);
      expect(fake.of('leave')).toHaveLength(1);
    });
  });

  it('errors (and leaves) when a state from the Observable is not valid', () => {
    ts.run(({ cold, hot, expectObservable }) => {
      const fake = fakeContext({ heartbeat: () => cold('-a|', { a: bodies.heartbeat }), leave: () => cold('-a|', { a: bodies.leave }) });
      const state$ = hot<Record<string, Record<string, unknown>>>('a 1999ms b', { a: { lobby: { mood: 'ok' } }, b: { elsewhere: {} } });
      expectObservable(heartbeat$(fake.context, { channels: ['lobby'], heartbeat: 30, interval: 10, state: state$ })).toBe('-a 1998ms #', { a: ok(1) }, expect.objectContaining({ category: 'validation' }));
      ts.flush();
      expect(fake.of('leave').map((r) => r.at)).toEqual([2000]);
    });
  });

  it('rejects bad arguments before any request', () => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({ heartbeat: () => cold('-a|', { a: bodies.heartbeat }) });
      const validation = expect.objectContaining({ category: 'validation' });
      expectObservable(heartbeat$(fake.context, {})).toBe('#', undefined, validation);
      expectObservable(heartbeat$(fake.context, { channels: ['x'], heartbeat: 0 })).toBe('#', undefined, validation);
      expectObservable(heartbeat$(fake.context, { channels: ['x'], heartbeat: 30, interval: 30 })).toBe('#', undefined, validation);
      expectObservable(heartbeat$(fake.context, { channels: ['a,b'] })).toBe('#', undefined, validation);
      ts.flush();
      expect(fake.requests).toHaveLength(0);
    });
  });
});
