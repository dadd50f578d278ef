import { map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { PresenceError } from '../../lib/errors';
import { Keyset, UserId } from '../../lib/keyset';
import { presenceContext } from '../../lib/presence-context';
import { events$ } from '../../lib/streams/events-stream';
import { heartbeat$ } from '../../lib/streams/heartbeat-stream';
import { hereNow$ } from '../../lib/streams/here-now-stream';
import type { StreamStatus } from '../../lib/streams/status-board';
import { status$ } from '../../lib/streams/status-stream';
import { responses } from '../../lib/testing';
import { bodies, fakeContext } from '../helpers/fake-transport';

let ts: TestScheduler;
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const serverError = new PresenceError('server-error', 'heartbeat failed: 503', { operation: 'heartbeat', statusCode: 503 });
const refused = new PresenceError('network', 'hereNow failed: ECONNREFUSED', { operation: 'hereNow' });
const forbidden = new PresenceError('access-denied', 'hereNow failed: 403', { operation: 'hereNow', statusCode: 403 });

/** Everything `status$` emits, with the virtual time it came. */
function record(stream: Observable<readonly StreamStatus[]>): Array<[number, readonly StreamStatus[]]> {
  const seen: Array<[number, readonly StreamStatus[]]> = [];
  stream.subscribe((streams) => seen.push([ts.now(), streams]));
  return seen;
}
/** Each emission as `[time, ['kind state attempt', …]]`, for short assertions. */
const brief = (seen: Array<[number, readonly StreamStatus[]]>) => seen.map(([at, streams]) => [at, streams.map((s) => `${s.stream} ${s.state} ${s.attempt}`)]);

describe('status$', () => {
  it('shows a heartbeat loop connecting, retrying with the attempt and error, then live; a late subscriber gets the current state', () => {
    ts.run(({ cold }) => {
      const answers = [cold('-#', undefined, serverError), cold('-#', undefined, serverError)];
      const fake = fakeContext({
        heartbeat: (_r, call) => answers[call] ?? cold('-a|', { a: bodies.heartbeat }),
        leave: () => cold('-a|', { a: bodies.leave }),
      });
      const seen = record(fake.presence.status$);
      const beats = heartbeat$(fake.context, { channels: ['lobby'], heartbeat: 30, interval: 10, retryDelay: 1 }).subscribe();
      let late: ReturnType<typeof record> = [];
      ts.schedule(() => (late = record(fake.presence.status$)), 2000);
      ts.schedule(() => beats.unsubscribe(), 20_000);
      ts.flush();
      // Failed at 1 and 1002, answered at 3003 and 10001; once its leave is answered it is gone.
      expect(brief(seen)).toEqual([
        [0, []],
        [0, ['heartbeat connecting 0']],
        [1, ['heartbeat retrying 1']],
        [1002, ['heartbeat retrying 2']],
        [3003, ['heartbeat live 0']],
        [10001, ['heartbeat live 0']],
        [20002, []],
      ]);
      expect(brief(late).slice(0, 2)).toEqual([
        [2000, ['heartbeat retrying 2']],
        [3003, ['heartbeat live 0']],
      ]);
      const [, [retrying]] = seen[3];
      expect(retrying).toMatchObject({ stream: 'heartbeat', channels: ['lobby'], channelGroups: [], state: 'retrying', attempt: 2, error: serverError });
      expect(retrying.lastSuccess).toBeUndefined();
      const [, [live]] = seen[4];
      // The last error stays after the recovery, with the time of the success.
      expect(live).toMatchObject({ state: 'live', attempt: 0, error: serverError, lastSuccess: 3003 });
    });
  });

  it('makes a failed poll visible: retrying with the error, live again on recovery; hereNow$ stays silent', () => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({
        hereNow: (_r, call) => (call === 1 || call === 2 ? cold('-#', undefined, refused) : cold('-(a|)', { a: responses.hereNow(['alice']) })),
      });
      const seen = record(fake.presence.status$);
      const polled = hereNow$(fake.context, { channels: ['lobby'], interval: 10 }).pipe(map((r) => r.totalOccupancy));
      // The failed polls at 10 s and 20 s emit nothing: no snapshot that was not received.
      expectObservable(polled, '^ 35s !').toBe('-a 29999ms a', { a: 1 });
      ts.flush();
      expect(brief(seen)).toEqual([
        [0, []],
        [0, ['poll connecting 0']],
        [1, ['poll live 0']],
        [10001, ['poll retrying 1']],
        [20001, ['poll retrying 2']],
        [30001, ['poll live 0']],
        [35001, []],
      ]);
      expect(seen[4][1][0]).toMatchObject({ channels: ['lobby'], error: refused, lastSuccess: 1 });
    });
  });

  it("reports each failed try of a poll as it happens, not only once the round's retries are spent", () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({
        // The first poll fails twice and is answered on its third try (1 s, then 2 s, later).
        hereNow: (_r, call) => (call < 2 ? cold('-#', undefined, refused) : cold('-(a|)', { a: responses.hereNow(['alice']) })),
      });
      const context = { ...fake.context, retry: { attempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000, jitter: false } };
      const seen = record(status$(context));
      const sub = hereNow$(context, { channels: ['lobby'], interval: 60 }).subscribe();
      ts.schedule(() => sub.unsubscribe(), 5000);
      ts.flush();
      expect(brief(seen)).toEqual([
        [0, []],
        [0, ['poll connecting 0']],
        [1, ['poll retrying 1']],
        [1002, ['poll retrying 2']],
        [3003, ['poll live 0']],
        [5000, []],
      ]);
    });
  });

  it("takes a follower tab's health from the leader's rounds it follows", () => {
    ts.run(({ cold, hot }) => {
      const fake = fakeContext({ hereNow: () => cold('-(a|)', { a: responses.hereNow(['alice']) }) });
      const seen = record(fake.presence.status$);
      // As shareAcrossTabs does in a follower tab: told to follow before its first round.
      const round = { covered: new Set(['lobby']), result: { totalChannels: 0, totalOccupancy: 0, channels: new Map() } };
      const leader$ = hot('---a---#', { a: round }, refused);
      fake.context.loops.polls.set = new Proxy(fake.context.loops.polls.set, {
        apply: (target, registry, [key, loop]) => {
          loop.follow(leader$);
          return Reflect.apply(target, registry, [key, loop]);
        },
      });
      const sub = hereNow$(fake.context, { channels: ['lobby'], interval: 10 }).subscribe({ error: () => undefined });
      ts.schedule(() => sub.unsubscribe(), 9);
      ts.flush();
      expect(brief(seen)).toEqual([
        [0, []],
        [0, ['poll connecting 0']],
        [3, ['poll live 0']],
        [7, ['poll failed 0']],
      ]);
      expect(fake.of('hereNow')).toHaveLength(0);
    });
  });

  it('keeps a stream that failed for good on the board, with its error', () => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({ hereNow: () => cold('-#', undefined, forbidden) });
      const seen = record(fake.presence.status$);
      expectObservable(hereNow$(fake.context, { channels: ['lobby'], interval: 10 })).toBe('-#', undefined, forbidden);
      ts.flush();
      expect(brief(seen)).toEqual([
        [0, []],
        [0, ['poll connecting 0']],
        [1, ['poll failed 0']],
      ]);
      expect(seen[2][1][0].error).toMatchObject({ category: 'access-denied', statusCode: 403 });
    });
  });

  it('shows events$ connecting, retrying while the long-poll fails, live once it catches up', () => {
    ts.run(({ cold }) => {
      const handshake = { t: { t: '100', r: 1 }, m: [] };
      const fake = fakeContext({
        subscribe: (_r, call) => (call === 0 ? cold('-(a|)', { a: handshake }) : call === 1 ? cold('-#', undefined, refused) : cold('5s (a|)', { a: { t: { t: '200', r: 1 }, m: [] } })),
        hereNow: () => cold('-(a|)', { a: responses.hereNow(['alice']) }),
      });
      const seen = record(fake.presence.status$);
      const sub = events$(fake.context, { channels: ['lobby'], reconnectDelay: 1 }).subscribe();
      ts.schedule(() => sub.unsubscribe(), 10_000);
      ts.flush();
      // Handshake at 1, snapshot at 2: live; the long-poll fails at 3, retried at 1003 and
      // answered at 6003; unsubscribing takes it off the board.
      expect(brief(seen)).toEqual([
        [0, []],
        [0, ['events connecting 0']],
        [2, ['events live 0']],
        [3, ['events retrying 1']],
        [6003, ['events live 0']],
        [10_000, []],
      ]);
      expect(seen[3][1][0]).toMatchObject({ channels: ['lobby'], channelGroups: [], error: refused });
    });
  });

  it('works on a plain context: status$ called first sees the streams started after it', () => {
    ts.run(({ cold }) => {
      const context = presenceContext({
        defaultKeyset: new Keyset({ subscribeKey: 'sub', userId: new UserId('me') }),
        transport: () => cold('-(a|)', { a: bodies.heartbeat }),
      });
      const seen = record(status$(context));
      const beats = heartbeat$(context, { channels: ['a', 'b'], heartbeat: 30, interval: 10 }).subscribe();
      ts.schedule(() => beats.unsubscribe(), 5000);
      ts.flush();
      expect(brief(seen).slice(0, 3)).toEqual([
        [0, []],
        [0, ['heartbeat connecting 0']],
        [1, ['heartbeat live 0']],
      ]);
      expect(seen[2][1][0].channels).toEqual(['a', 'b']);
    });
  });

  it('keeps at most 16 failed streams that have ended, dropping the oldest', () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({ subscribe: () => cold('-#', undefined, forbidden) });
      for (let i = 0; i < 20; i++) events$(fake.context, { channels: [`room-${i}`] }).subscribe({ error: () => undefined });
      ts.flush();
      let now: readonly StreamStatus[] = [];
      fake.presence.status$.subscribe((all) => (now = all));
      expect(now).toHaveLength(16);
      expect(now.map((s) => s.channels[0])).toEqual(Array.from({ length: 16 }, (_, i) => `room-${i + 4}`));
      expect(now.every((s) => s.state === 'failed')).toBe(true);
    });
  });
});
