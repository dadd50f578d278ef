/**
 * A snapshot with a count but no uuids says how many, not who (issue 13, defect 10): it must never
 * become the roster the next snapshot is diffed against. Never a leave without a join, never two
 * joins in a row for one uuid.
 */
import fc from 'fast-check';
import { TestScheduler } from 'rxjs/testing';
import { diffOccupancy } from '../../lib/streams/diff-occupancy';
import { events$ } from '../../lib/streams/events-stream';
import { presenceEvents$ } from '../../lib/streams/presence-events-stream';
import type { HereNowResult, PresenceEvent } from '../../lib/types';
import { fakeContext } from '../helpers/fake-transport';

let ts: TestScheduler;
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

/** `lobby` with these uuids, or with only a count when `uuids` is a number. */
function snapshot(uuids: readonly string[] | number): HereNowResult {
  const count = typeof uuids === 'number' ? uuids : uuids.length;
  const occupants = typeof uuids === 'number' ? [] : uuids;
  return {
    totalChannels: 1,
    totalOccupancy: count,
    channels: new Map([['lobby', { channelName: 'lobby', count, uuids: new Map(occupants.map((uuid) => [uuid, { uuid }])) }]]),
  };
}
const body = (uuids: readonly string[] | number) =>
  typeof uuids === 'number' ? { status: 200, message: 'OK', service: 'Presence', occupancy: uuids } : { status: 200, message: 'OK', service: 'Presence', occupancy: uuids.length, uuids };
const ev = (action: PresenceEvent['action'], uuid: string, occupancy: number, timestamp: number) => ({ action, channel: 'lobby', uuid, occupancy, timestamp });

/** Every uuid's events alternate join, leave, join…, starting with a join. */
function expectConsistent(events: readonly PresenceEvent[]): void {
  const present = new Set<string>();
  for (const e of events) {
    const key = `${e.channel}/${e.uuid}`;
    if (e.action === 'join') {
      expect(`${key} present before join: ${present.has(key)}`).toBe(`${key} present before join: false`);
      present.add(key);
    } else if (e.action === 'leave' || e.action === 'timeout') {
      expect(`${key} present before ${e.action}: ${present.has(key)}`).toBe(`${key} present before ${e.action}: true`);
      present.delete(key);
    }
  }
}

describe('count-only snapshots', () => {
  it('alice; a count of 3 without uuids; bob; alice: no leave without a join, no second join', () => {
    ts.run(({ cold, expectObservable }) => {
      const source = cold('a 9ms b 9ms c 9ms d', { a: snapshot(['alice']), b: snapshot(3), c: snapshot(['bob']), d: snapshot(['alice']) });
      expectObservable(source.pipe(diffOccupancy())).toBe('a 19ms (bc) 6ms (de)', {
        a: ev('join', 'alice', 1, 0),
        b: ev('leave', 'alice', 0, 20),
        c: ev('join', 'bob', 1, 20),
        d: ev('leave', 'bob', 0, 30),
        e: ev('join', 'alice', 1, 30),
      });
    });
  });

  it('a count-only first snapshot is no roster: the first real one yields the joins', () => {
    ts.run(({ cold, expectObservable }) => {
      const source = cold('a 9ms b 9ms c', { a: snapshot(2), b: snapshot(['alice', 'bob']), c: snapshot(['bob']) });
      expectObservable(source.pipe(diffOccupancy())).toBe('10ms (ab) 6ms c', {
        a: ev('join', 'alice', 1, 10),
        b: ev('join', 'bob', 2, 10),
        c: ev('leave', 'alice', 1, 20),
      });
    });
  });

  it('presenceEvents$ over a server that sometimes answers with a count only', () => {
    ts.run(({ cold, expectObservable }) => {
      const answers = [body(['alice']), body(3), body(['bob']), body(['alice'])];
      const fake = fakeContext({ hereNow: (_r, call) => cold('-(a|)', { a: answers[Math.min(call, 3)] }) });
      expectObservable(presenceEvents$(fake.context, { channels: ['lobby'], interval: 10 }), '^ 35s !').toBe('-a 19999ms (bc) 9996ms (de)', {
        a: ev('join', 'alice', 1, 1),
        b: ev('leave', 'alice', 0, 20001),
        c: ev('join', 'bob', 1, 20001),
        d: ev('leave', 'bob', 0, 30001),
        e: ev('join', 'alice', 1, 30001),
      });
    });
  });

  it('events$: a count-only repair snapshot does not wipe who we know is there', () => {
    ts.run(({ cold }) => {
      const envelope = (tt: string, ...m: object[]) => ({ t: { t: tt, r: 1 }, m });
      const message = (tt: string, d: object) => ({ a: '1', f: 0, p: { t: tt, r: 1 }, k: 'sub', c: 'lobby-pnpres', b: 'lobby-pnpres', d });
      const polls = [
        cold('(a|)', { a: envelope('100') }),
        // Asks for a repair, which answers with a count only…
        cold('1ms (a|)', { a: envelope('101', message('101', { action: 'interval', occupancy: 2, timestamp: 7, here_now_refresh: true })) }),
        // …then alice's join is replayed: she is already known, so it yields nothing.
        cold('1ms (a|)', { a: envelope('102', message('102', { action: 'join', uuid: 'alice', occupancy: 1, timestamp: 8 })) }),
        cold('1ms (a|)', { a: envelope('103', message('103', { action: 'leave', uuid: 'alice', occupancy: 0, timestamp: 9 })) }),
      ];
      const answers = [body(['alice']), body(2)];
      const fake = fakeContext({ subscribe: (_r, call) => polls[call] ?? cold('-'), hereNow: (_r, call) => cold('(a|)', { a: answers[Math.min(call, 1)] }) });
      const seen: PresenceEvent[] = [];
      const subscription = events$(fake.context, { channels: ['lobby'] }).subscribe((e) => seen.push(e));
      ts.schedule(() => subscription.unsubscribe(), 5000);
      ts.flush();
      expect(seen.map((e) => `${e.action} ${e.uuid}`)).toEqual(['join alice', 'leave alice']);
    });
  });

  it('random runs of rosters and count-only snapshots never yield an inconsistent sequence (1,000 runs)', () => {
    const roster = fc.oneof(fc.subarray(['alice', 'bob', 'carol', 'dave']), fc.integer({ min: 1, max: 5 }));
    fc.assert(
      fc.property(fc.array(roster, { minLength: 1, maxLength: 12 }), fc.constantFrom<'join' | 'skip'>('join', 'skip'), (rosters, initial) => {
        const events: PresenceEvent[] = [];
        new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, flush }) => {
          const marbles = rosters.map((_, i) => String.fromCharCode(97 + i)).join(' ');
          const values = Object.fromEntries(rosters.map((r, i) => [String.fromCharCode(97 + i), snapshot(r)]));
          cold(marbles, values).pipe(diffOccupancy({ initial })).subscribe((e) => events.push(e));
          flush();
        });
        // With 'skip', whoever is in the first roster was there before any event: seed them.
        const first = rosters.find((r): r is string[] => typeof r !== 'number');
        const seeded = initial === 'skip' && typeof rosters[0] !== 'number' ? (first ?? []).map((uuid) => ev('join', uuid, 0, 0) as PresenceEvent) : [];
        expectConsistent([...seeded, ...events]);
      }),
      { numRuns: 1000 },
    );
  });
});
