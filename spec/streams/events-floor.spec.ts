/**
 * `events$` against a server that answers every long-poll at once with nothing, or with a flood of
 * `here_now_refresh` (issue 13, defect 12): a minimum gap between long-polls that come back
 * empty-handed and fast, and at most one repair here-now per channel per answer.
 */
import { TestScheduler } from 'rxjs/testing';
import { events$, MIN_IDLE_POLL_GAP_MS } from '../../lib/streams/events-stream';
import { fakeContext } from '../helpers/fake-transport';

let ts: TestScheduler;
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const envelope = (tt: string, ...m: object[]) => ({ t: { t: tt, r: 1 }, m });
const message = (tt: string, d: object, channel = 'lobby') => ({ a: '1', f: 0, p: { t: tt, r: 1 }, k: 'sub', c: `${channel}-pnpres`, b: `${channel}-pnpres`, d });
const lobby = (...uuids: string[]) => ({ status: 200, message: 'OK', service: 'Presence', occupancy: uuids.length, uuids });
const refresh = (tt: string, channel = 'lobby') => message(tt, { action: 'interval', occupancy: 1, timestamp: 7, here_now_refresh: true }, channel);

describe('events$ against a server answering at once', () => {
  it('has a floor of one second', () => {
    expect(MIN_IDLE_POLL_GAP_MS).toBe(1000);
  });

  it('waits a second between long-polls that come back empty and fast', () => {
    ts.run(({ cold }) => {
      let tt = 100;
      const fake = fakeContext({ subscribe: () => cold('1ms (a|)', { a: envelope(String(tt++)) }), hereNow: () => cold('(a|)', { a: lobby() }) });
      const subscription = events$(fake.context, { channels: ['lobby'] }).subscribe();
      ts.schedule(() => subscription.unsubscribe(), 10_000);
      ts.flush();
      const polls = fake.of('subscribe').map((r) => r.at);
      // The handshake and the first long-poll, then one long-poll a second.
      expect(polls).toEqual([0, 1, 1001, 2001, 3001, 4001, 5001, 6001, 7001, 8001, 9001]);
    });
  });

  it('an answer that is not instant, or carries events, is followed by the next long-poll at once', () => {
    ts.run(({ cold, expectObservable }) => {
      const polls = [
        cold('(a|)', { a: envelope('100') }),
        // Held 2 s and then empty (the service's long-poll timeout, scaled down): no wait after it.
        cold('2s (a|)', { a: envelope('101') }),
        // Fast, but with an event: no wait either.
        cold('1ms (a|)', { a: envelope('102', message('102', { action: 'join', uuid: 'bob', occupancy: 1, timestamp: 7 })) }),
      ];
      const fake = fakeContext({ subscribe: (_r, call) => polls[call] ?? cold('-'), hereNow: () => cold('(a|)', { a: lobby() }) });
      expectObservable(events$(fake.context, { channels: ['lobby'], initial: 'skip' }), '^ 5s !').toBe('2001ms a', {
        a: { action: 'join', channel: 'lobby', uuid: 'bob', occupancy: 1, timestamp: 7000, timetoken: '102' },
      });
      ts.flush();
      expect(fake.of('subscribe').map((r) => r.at)).toEqual([0, 0, 2000, 2001]);
    });
  });

  it('100 here_now_refresh messages in one answer cost one here-now per channel', () => {
    ts.run(({ cold }) => {
      const flood = [...Array.from({ length: 100 }, () => refresh('101')), ...Array.from({ length: 50 }, () => refresh('101', 'hall'))];
      const polls = [cold('(a|)', { a: envelope('100') }), cold('1ms (a|)', { a: envelope('101', ...flood) })];
      const both = { status: 200, payload: { channels: { lobby: { occupancy: 1, uuids: ['alice'] }, hall: { occupancy: 1, uuids: ['alice'] } }, total_channels: 2, total_occupancy: 2 } };
      const fake = fakeContext({
        subscribe: (_r, call) => polls[call] ?? cold('-'),
        hereNow: (r) => cold('1ms (a|)', { a: r.path.includes(',') ? both : lobby('alice') }),
      });
      const subscription = events$(fake.context, { channels: ['lobby', 'hall'] }).subscribe();
      ts.schedule(() => subscription.unsubscribe(), 5000);
      ts.flush();
      // The start snapshot, then one repair each for lobby and hall.
      expect(fake.of('hereNow').map((r) => r.channels)).toEqual([['lobby', 'hall'], ['lobby'], ['hall']]);
    });
  });

  it('many messages showing the same gap cost one repair', () => {
    ts.run(({ cold }) => {
      // Each says more are here than we count: one gap, one here-now.
      const joins = Array.from({ length: 20 }, (_, i) => message('101', { action: 'join', uuid: `u${i}`, occupancy: 30 + i, timestamp: 7 }));
      const polls = [cold('(a|)', { a: envelope('100') }), cold('1ms (a|)', { a: envelope('101', ...joins) })];
      const answers = [lobby(), lobby(...Array.from({ length: 21 }, (_, i) => `u${i}`))];
      const fake = fakeContext({ subscribe: (_r, call) => polls[call] ?? cold('-'), hereNow: (_r, call) => cold('1ms (a|)', { a: answers[Math.min(call, 1)] }) });
      const seen: string[] = [];
      const subscription = events$(fake.context, { channels: ['lobby'], initial: 'skip' }).subscribe((e) => seen.push(`${e.action} ${e.uuid}`));
      ts.schedule(() => subscription.unsubscribe(), 5000);
      ts.flush();
      expect(fake.of('hereNow')).toHaveLength(2);
      expect(seen).toEqual([...Array.from({ length: 20 }, (_, i) => `join u${i}`), 'join u20']);
    });
  });
});
