/**
 * The shared loop behind `heartbeat$` and `hereNow$` (issue 15): one registry per client whose
 * loops go away with their last subscriber; claims that come from outside a subscription (another
 * tab's, issue 12); a loop that follows rounds made elsewhere instead of sending; releases gathered
 * per task. And the retry rule: every request a stream makes asks for one attempt, the stream
 * retrying it itself, with the client's policy where it has one.
 */
import { map, NEVER, Subject, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { PresenceError } from '../../lib/errors';
import type { PresenceContext } from '../../lib/presence-context';
import { events$ } from '../../lib/streams/events-stream';
import { heartbeat$ } from '../../lib/streams/heartbeat-stream';
import { hereNow$ } from '../../lib/streams/here-now-stream';
import { settled, SharedLoop } from '../../lib/streams/shared-loop';
import { bodies, fakeContext } from '../helpers/fake-transport';

let ts: TestScheduler;
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const lobby = (...uuids: string[]) => ({ status: 200, message: 'OK', service: 'Presence', occupancy: uuids.length, uuids });
const serverError = new PresenceError('server-error', 'failed: 503', { operation: 'hereNow', statusCode: 503 });

describe("a client's loops live as long as their subscribers", () => {
  it('a heartbeat loop goes once its last subscriber has gone and its leave is answered', () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({ heartbeat: () => cold('-a|', { a: bodies.heartbeat }), leave: () => cold('5ms a|', { a: bodies.leave }) });
      const { heartbeats } = fake.context.loops;
      const a = heartbeat$(fake.context, { channels: ['a'], heartbeat: 30, interval: 10 }).subscribe();
      const b = heartbeat$(fake.context, { channels: ['b'], heartbeat: 30, interval: 10 }).subscribe();
      const sizes: Array<[string, number]> = [['both', heartbeats.size]];
      ts.schedule(() => a.unsubscribe(), 1000);
      ts.schedule(() => sizes.push(['one left', heartbeats.size]), 1001);
      ts.schedule(() => b.unsubscribe(), 2000);
      ts.schedule(() => sizes.push(['leave in flight', heartbeats.size]), 2002);
      ts.schedule(() => sizes.push(['leave answered', heartbeats.size]), 2010);
      ts.flush();
      expect(sizes).toEqual([
        ['both', 1],
        ['one left', 1],
        ['leave in flight', 1],
        ['leave answered', 0],
      ]);
    });
  });

  it('union polls, exact polls (with groups) and global polls all go with their last subscriber', () => {
    ts.run(({ cold }) => {
      // One channel and no group gets the flat shape, anything else the payload shape, as from the service.
      const multi = { status: 200, payload: { channels: {}, total_channels: 0, total_occupancy: 0 } };
      const fake = fakeContext({ hereNow: (r) => cold('-(a|)', { a: /\/channel\/[ab]$/.test(r.path) && !r.query['channel-group'] ? lobby('alice') : multi }) });
      const { polls } = fake.context.loops;
      const union = hereNow$(fake.context, { channels: ['a'], interval: 10 }).subscribe();
      const unionToo = hereNow$(fake.context, { channels: ['b'], interval: 10 }).subscribe();
      const exact = hereNow$(fake.context, { channels: ['a'], channelGroups: ['g'], interval: 10 }).subscribe();
      const global = hereNow$(fake.context, { interval: 10 }).subscribe();
      const sizes: number[] = [polls.size];
      ts.schedule(() => union.unsubscribe(), 1000);
      ts.schedule(() => sizes.push(polls.size), 1000);
      ts.schedule(() => (unionToo.unsubscribe(), exact.unsubscribe(), global.unsubscribe()), 2000);
      ts.schedule(() => sizes.push(polls.size), 2000);
      ts.flush();
      expect(sizes).toEqual([3, 3, 0]);
    });
  });

  it('two clients never share a loop', () => {
    ts.run(({ cold }) => {
      const one = fakeContext({ heartbeat: () => cold('-a|', { a: bodies.heartbeat }), leave: () => cold('-a|', { a: bodies.leave }) });
      const two = fakeContext({ heartbeat: () => cold('-a|', { a: bodies.heartbeat }), leave: () => cold('-a|', { a: bodies.leave }) }, one.keyset);
      const subs = [one, two].map((fake) => heartbeat$(fake.context, { channels: ['lobby'], heartbeat: 30, interval: 10 }).subscribe());
      ts.schedule(() => subs.forEach((s) => s.unsubscribe()), 5000);
      ts.flush();
      expect(one.of('heartbeat')).toHaveLength(1);
      expect(two.of('heartbeat')).toHaveLength(1);
    });
  });
});

describe('SharedLoop', () => {
  /** A loop whose rounds record the union they were made over, and whose releases are recorded. */
  function recordingLoop(intervalMs = 10) {
    const rounds: string[] = [];
    const released: string[] = [];
    const loop = new SharedLoop<string>({
      intervalMs,
      round: (l) => {
        const held = l.held();
        const label = `${ts.now()}:${[...held.channels, ...held.channelGroups.map((g) => `#${g}`)].join(',')}`;
        rounds.push(label);
        return ts.createColdObservable('-(r|)', { r: label }) as Observable<string>;
      },
      release: (names) => {
        released.push(`${ts.now()}:${[...names.channels, ...names.channelGroups.map((g) => `#${g}`)].join(',')}`);
        return ts.createColdObservable('-(d|)');
      },
    });
    return { loop, rounds, released };
  }

  it('takes claims from outside a subscription: a new name is announced at once, and released when nobody holds it', () => {
    ts.run(({ expectObservable }) => {
      const { loop, rounds, released } = recordingLoop();
      expectObservable(loop.member({ channels: ['a'], channelGroups: [] }), '^ 25ms !').toBe('-a 2ms b 9ms c 9ms d', {
        a: '0:a',
        b: '3:a,b,#g',
        c: '13:a,b,#g',
        d: '23:a',
      });
      let release = () => undefined as void;
      ts.schedule(() => (release = loop.claim({ channels: ['b', 'a'], channelGroups: ['g'] })), 3);
      ts.schedule(() => release(), 20);
      ts.flush();
      expect(rounds).toEqual(['0:a', '3:a,b,#g', '13:a,b,#g', '23:a']);
      // 'a' is still held by the member when the outside claim goes; it is released at the end.
      expect(released).toEqual(['20:b,#g', '26:a']);
      expect(loop.held()).toEqual({ channels: [], channelGroups: [] });
    });
  });

  it('answers what it holds while claims come and go', () => {
    const loop = new SharedLoop<string>({ intervalMs: 10, round: () => NEVER });
    const one = loop.claim({ channels: ['a', 'b'], channelGroups: [] });
    const two = loop.claim({ channels: ['b'], channelGroups: ['g'] });
    expect(loop.held()).toEqual({ channels: ['a', 'b'], channelGroups: ['g'] });
    expect([loop.holds('b'), loop.holds('g'), loop.holds('g', true)]).toEqual([true, false, true]);
    one();
    expect(loop.held()).toEqual({ channels: ['b'], channelGroups: ['g'] });
    expect([...loop.claims()]).toEqual([{ channels: ['b'], channelGroups: ['g'] }]);
    expect(loop.idle).toBe(false);
    two();
    expect(loop.idle).toBe(true);
  });

  it('follows rounds made elsewhere: no round of its own, no release; back on its own, a round at once', () => {
    ts.run(({ hot, expectObservable }) => {
      const { loop, rounds, released } = recordingLoop();
      const leader$ = hot('--- 5ms x 9ms y', { x: 'leader-x', y: 'leader-y' });
      const member = loop.member({ channels: ['a'], channelGroups: [] });
      expectObservable(member, '^ 35ms !').toBe('-a 6ms x 9ms y 2ms b 9ms c', {
        a: '0:a',
        x: 'leader-x',
        y: 'leader-y',
        b: '20:a',
        c: '30:a',
      });
      ts.schedule(() => loop.follow(leader$), 3);
      // A claim released while following is the leader's to leave, not this loop's.
      ts.schedule(() => loop.claim({ channels: ['z'], channelGroups: [] })(), 5);
      ts.schedule(() => expect(loop.following).toBe(true), 6);
      ts.schedule(() => loop.follow(undefined), 20);
      ts.flush();
      expect(rounds).toEqual(['0:a', '20:a', '30:a']);
      // 'z' (released while following) is not; 'a' is, at the end, the loop leading again.
      expect(released).toEqual(['36:a']);
    });
  });

  it('releases what ends in one task together, and nothing that is claimed again meanwhile', () => {
    ts.run(() => {
      const { loop, released } = recordingLoop();
      const subs = ['a', 'b', 'c'].map((channel) => loop.member({ channels: [channel], channelGroups: [] }).subscribe());
      let remounted = subs[0];
      ts.schedule(() => {
        subs.forEach((s) => s.unsubscribe());
        // A component remounting within the same task: 'b' must not be left.
        remounted = loop.member({ channels: ['b'], channelGroups: [] }).subscribe();
      }, 5);
      ts.schedule(() => remounted.unsubscribe(), 8);
      ts.flush();
      expect(released).toEqual(['5:a,c', '8:b']);
    });
  });

  it('settles once every release is answered, and calls onIdle then', async () => {
    const answered = new Subject<void>();
    const idle: string[] = [];
    const loop = new SharedLoop<string>({ intervalMs: 10_000, round: () => NEVER, release: () => answered, onIdle: () => idle.push('idle') });
    loop.claim({ channels: ['a'], channelGroups: [] })();
    let done = false;
    const waiting = settled(loop).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect([done, idle]).toEqual([false, []]);
    answered.complete();
    await waiting;
    expect(idle).toEqual(['idle']);
  });
});

describe('streams call operations with one attempt and retry themselves', () => {
  it('every request heartbeat$, hereNow$ and events$ make asks the transport for one attempt', () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({
        heartbeat: () => cold('-a|', { a: bodies.heartbeat }),
        leave: () => cold('-a|', { a: bodies.leave }),
        hereNow: () => cold('-(a|)', { a: lobby('alice') }),
        subscribe: (_r, call) => (call === 0 ? cold('-(a|)', { a: { t: { t: '1', r: 1 }, m: [] } }) : NEVER),
      });
      const subs = [
        heartbeat$(fake.context, { channels: ['lobby'], heartbeat: 30, interval: 10 }).subscribe(),
        hereNow$(fake.context, { channels: ['lobby'], interval: 10 }).subscribe(),
        events$(fake.context, { channels: ['lobby'] }).subscribe(),
      ];
      ts.schedule(() => subs.forEach((s) => s.unsubscribe()), 15_000);
      ts.flush();
      const byOperation = (operation: string) => fake.requests.filter((r) => r.operation === operation).map((r) => r.attempts);
      expect(byOperation('heartbeat')).toEqual([1, 1]);
      expect(byOperation('leave')).toEqual([1]);
      // The poll's and events$'s snapshots; the latter's was retried by the transport inside events$'s own retry before.
      expect(byOperation('hereNow')).toEqual([1, 1, 1]);
      expect(byOperation('subscribe')).toEqual([1, 1]);
    });
  });

  it("hereNow$ retries a failed poll with the client's policy (as its fetch transport would), then skips it", () => {
    ts.run(({ cold, expectObservable }) => {
      const answers = [cold('-#', undefined, serverError), cold('-(a|)', { a: lobby('alice') })];
      const fake = fakeContext({ hereNow: (_r, call) => answers[call] ?? cold('-#', undefined, serverError) });
      const context: PresenceContext = { ...fake.context, retry: { attempts: 2, baseDelayMs: 100, maxDelayMs: 1000, jitter: false } };
      const uuids = hereNow$(context, { channels: ['lobby'], interval: 10 }).pipe(map((r) => [...r.channels.get('lobby')!.uuids.keys()]));
      // Fails at 1, retried at 101, answered at 102; at 10 s both tries fail: no snapshot, no error.
      expectObservable(uuids, '^ 15s !').toBe('102ms a', { a: ['alice'] });
      ts.flush();
      expect(fake.of('hereNow').map((r) => r.at)).toEqual([0, 101, 10_000, 10_101]);
    });
  });

  it("the leave is retried with the client's policy, six tries at most", () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({
        heartbeat: () => cold('-a|', { a: bodies.heartbeat }),
        leave: () => cold('-#', undefined, new PresenceError('server-error', 'leave failed: 503', { operation: 'leave', statusCode: 503 })),
      });
      const context: PresenceContext = { ...fake.context, retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 250, jitter: false } };
      const sub = heartbeat$(context, { channels: ['lobby'], heartbeat: 30, interval: 10 }).subscribe();
      ts.schedule(() => sub.unsubscribe(), 1000);
      ts.flush();
      // 100, 200, then capped at 250 ms between tries; each try fails 1 ms after it starts.
      expect(fake.of('leave').map((r) => r.at)).toEqual([1000, 1101, 1302, 1553, 1804, 2055]);
    });
  });

  it('a heartbeat keeps its own backoff, whatever Retry-After says, and reports it as before', () => {
    ts.run(({ cold, expectObservable }) => {
      const limited = new PresenceError('too-many-requests', 'heartbeat failed: 429', { operation: 'heartbeat', statusCode: 429, retryAfter: 5 });
      const answers = [cold('-#', undefined, limited)];
      const fake = fakeContext({ heartbeat: (_r, call) => answers[call] ?? cold('-a|', { a: bodies.heartbeat }), leave: () => cold('-a|', { a: bodies.leave }) });
      expectObservable(heartbeat$(fake.context, { channels: ['lobby'], heartbeat: 30, interval: 10, retryDelay: 1 }), '^ 5s !').toBe('-f 1000ms a', {
        f: { type: 'failed', timestamp: 1, channels: ['lobby'], channelGroups: [], error: limited, attempt: 1, retryInMs: 1000 },
        a: { type: 'ok', timestamp: 1002, channels: ['lobby'], channelGroups: [] },
      });
    });
  });
});
