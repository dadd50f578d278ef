import * as t from 'io-ts';
import { map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { PresenceError } from '../../lib/errors';
import { StateInfo } from '../../lib/operations/here-now';
import { events$ } from '../../lib/streams/events-stream';
import { roster$, type Roster } from '../../lib/streams/roster-stream';
import { fakeContext } from '../helpers/fake-transport';

let ts: TestScheduler;
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

type Occupant = string | { uuid: string; state: unknown };
const lobby = (...occupants: Occupant[]) => ({ status: 200, message: 'OK', service: 'Presence', occupancy: occupants.length, uuids: occupants });
const envelope = (tt: string, ...m: object[]) => ({ t: { t: tt, r: 1 }, m });
const presence = (tt: string, d: object, channel = 'lobby') => ({ a: '1', f: 0, p: { t: tt, r: 1 }, k: 'sub', c: `${channel}-pnpres`, b: `${channel}-pnpres`, d });
const refused = new PresenceError('network', 'hereNow failed: ECONNREFUSED', { operation: 'hereNow' });
const forbidden = new PresenceError('access-denied', 'hereNow failed: 403', { operation: 'hereNow', statusCode: 403 });

/** A roster in short: the lobby's members as `uuid` or `uuid=state`, and `stale` when it is. */
const brief = (roster: Roster) => {
  const lobbyMembers = [...(roster.channels.get('lobby')?.members.values() ?? [])].map((m) =>
    m.invalid !== undefined ? `${m.uuid}!` : m.state === undefined ? m.uuid : `${m.uuid}=${JSON.stringify(m.state)}`,
  );
  return roster.stale ? [...lobbyMembers, 'stale'] : lobbyMembers;
};
const briefly = (stream: Observable<Roster>) => stream.pipe(map(brief));

describe('roster$ (poll)', () => {
  it('emits a snapshot per change (joins, leaves, state changes), nothing for a poll that changed nothing', () => {
    ts.run(({ cold, expectObservable }) => {
      const answers = [
        lobby(),
        lobby({ uuid: 'alice', state: { mood: 'ok' } }),
        lobby({ uuid: 'alice', state: { mood: 'ok' } }, 'bob'),
        lobby({ uuid: 'alice', state: { mood: 'ok' } }, 'bob'),
        lobby({ uuid: 'alice', state: { mood: 'busy' } }, 'bob'),
        lobby('bob'),
      ];
      const fake = fakeContext({ hereNow: (_r, call) => cold('-(a|)', { a: answers[Math.min(call, answers.length - 1)] }) });
      const roster = roster$(fake.context, { channels: ['lobby'], interval: 10, stateInfo: StateInfo.all });
      expectObservable(briefly(roster), '^ 55s !').toBe('-a 9999ms b 9999ms c 19999ms d 9999ms e', {
        a: [],
        b: ['alice={"mood":"ok"}'],
        c: ['alice={"mood":"ok"}', 'bob'],
        d: ['alice={"mood":"busy"}', 'bob'],
        e: ['bob'],
      });
    });
  });

  it('carries occupancy, since and confirmedAt; keeps since through a state change', () => {
    ts.run(({ cold }) => {
      const answers = [lobby('alice'), lobby({ uuid: 'alice', state: { a: 1 } }, 'bob')];
      const fake = fakeContext({ hereNow: (_r, call) => cold('-(a|)', { a: answers[Math.min(call, 1)] }) });
      const seen: Roster[] = [];
      const sub = roster$(fake.context, { channels: ['lobby'], interval: 10, stateInfo: StateInfo.all }).subscribe((r) => seen.push(r));
      ts.schedule(() => sub.unsubscribe(), 25_000);
      ts.flush();
      expect(seen).toHaveLength(2);
      const lobbyNow = seen[1].channels.get('lobby')!;
      expect(lobbyNow.occupancy).toBe(2);
      expect([...lobbyNow.members.values()]).toEqual([
        { uuid: 'alice', state: { a: 1 }, since: 1 },
        { uuid: 'bob', since: 10001 },
      ]);
      expect(seen[1]).toMatchObject({ stale: false, confirmedAt: 10001 });
      expect([...lobbyNow.users.keys()]).toEqual(['alice', 'bob']);
    });
  });

  it('gives a late subscriber the latest roster at once, from the same poll', () => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({ hereNow: () => cold('-(a|)', { a: lobby('alice') }) });
      const early = roster$(fake.context, { channels: ['lobby'], interval: 10 }).subscribe();
      expectObservable(briefly(roster$(fake.context, { channels: ['lobby'], interval: 10 })), '5s ^ 10s !').toBe('5s a', { a: ['alice'] });
      ts.schedule(() => early.unsubscribe(), 30_000);
      ts.flush();
      expect(fake.of('hereNow').map((r) => r.at)).toEqual([0, 10000, 20000]);
    });
  });

  it('is shared by queries that differ only in spelling out a default (interval 10, stateInfo, source poll, graceMs 0)', () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({ hereNow: () => cold('-(a|)', { a: lobby('alice') }) });
      const seen: Roster[] = [];
      const spelled = roster$(fake.context, { channels: ['lobby'], interval: 10, stateInfo: StateInfo.onlyUUIDs, source: 'poll', graceMs: 0 }).subscribe((r) => seen.push(r));
      const implied = roster$(fake.context, { channels: ['lobby'] }).subscribe((r) => seen.push(r));
      ts.schedule(() => [spelled, implied].forEach((s) => s.unsubscribe()), 5000);
      ts.flush();
      expect(seen).toHaveLength(2);
      expect(seen[0]).toBe(seen[1]);
    });
  });

  it('is dropped when idle: polling stops with the last subscriber, and a later one starts afresh', () => {
    ts.run(({ cold, expectObservable }) => {
      const answers = [lobby('alice'), lobby('bob')];
      const fake = fakeContext({ hereNow: (_r, call) => cold('-(a|)', { a: answers[Math.min(call, 1)] }) });
      const first = roster$(fake.context, { channels: ['lobby'], interval: 10 }).subscribe();
      ts.schedule(() => first.unsubscribe(), 5000);
      // Not alice replayed from the dropped roster: a new poll, a new roster.
      expectObservable(briefly(roster$(fake.context, { channels: ['lobby'], interval: 10 })), '30s ^ 5s !').toBe('30s -a', { a: ['bob'] });
      ts.flush();
      expect(fake.of('hereNow').map((r) => r.at)).toEqual([0, 30000]);
    });
  });

  it('keeps the objects of what did not change, and makes one snapshot of a large seed', () => {
    ts.run(({ cold }) => {
      // Under the page size (1,000), so one request answers it.
      const many = Array.from({ length: 999 }, (_, i) => `u${i}`);
      const answers = [lobby(...many), lobby(...many, 'late')];
      const fake = fakeContext({ hereNow: (_r, call) => cold('-(a|)', { a: answers[Math.min(call, 1)] }) });
      const seen: Roster[] = [];
      const sub = roster$(fake.context, { channels: ['lobby'], interval: 10 }).subscribe((r) => seen.push(r));
      ts.schedule(() => sub.unsubscribe(), 15_000);
      ts.flush();
      expect(seen).toHaveLength(2);
      expect(seen[0].channels.get('lobby')?.occupancy).toBe(999);
      expect(seen[1].channels.get('lobby')?.occupancy).toBe(1000);
      expect(seen[1].channels.get('lobby')?.members.get('u7')).toBe(seen[0].channels.get('lobby')?.members.get('u7'));
    });
  });

  it('marks a failed poll stale without dropping anyone, and recovers', () => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({
        hereNow: (_r, call) => (call === 1 || call === 2 ? cold('-#', undefined, refused) : cold('-(a|)', { a: lobby('alice', ...(call >= 3 ? ['bob'] : [])) })),
      });
      expectObservable(briefly(roster$(fake.context, { channels: ['lobby'], interval: 10 })), '^ 35s !').toBe('-a 9999ms b 19999ms c', {
        a: ['alice'],
        b: ['alice', 'stale'],
        c: ['alice', 'bob'],
      });
      const seen: Roster[] = [];
      const sub = roster$(fake.context, { channels: ['lobby'], interval: 10 }).subscribe((r) => seen.push(r));
      ts.schedule(() => sub.unsubscribe(), 35_000);
      ts.flush();
      expect(seen[1]).toMatchObject({ stale: true, error: refused, confirmedAt: 1 });
      expect(seen[2]).toMatchObject({ stale: false, confirmedAt: 30001 });
      expect(seen[2].error).toBeUndefined();
    });
  });

  it('says stale at once when the first poll fails, rather than nothing', () => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({ hereNow: (_r, call) => (call === 0 ? cold('-#', undefined, refused) : cold('-(a|)', { a: lobby('alice') })) });
      expectObservable(briefly(roster$(fake.context, { channels: ['lobby'], interval: 10 })), '^ 15s !').toBe('-a 9999ms b', { a: ['stale'], b: ['alice'] });
    });
  });

  it('ends with the PresenceError of a permanent failure', () => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({ hereNow: () => cold('-#', undefined, forbidden) });
      expectObservable(roster$(fake.context, { channels: ['lobby'], interval: 10 })).toBe('-#', undefined, forbidden);
    });
  });

  it('decodes states with a stateCodec, marking a bad one invalid with issues', () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({ hereNow: () => cold('-(a|)', { a: lobby({ uuid: 'alice', state: { mood: 'ok' } }, { uuid: 'mallory', state: { mood: 42 } }) }) });
      const seen: Roster<{ mood: string }>[] = [];
      const sub = roster$(fake.context, { channels: ['lobby'], interval: 10, stateCodec: t.type({ mood: t.string }) }).subscribe((r) => seen.push(r));
      ts.schedule(() => sub.unsubscribe(), 5000);
      ts.flush();
      const [alice, mallory] = [...seen[0].channels.get('lobby')!.members.values()];
      expect(alice).toEqual({ uuid: 'alice', state: { mood: 'ok' }, since: 1 });
      expect(mallory).toEqual({ uuid: 'mallory', invalid: { state: { mood: 42 }, issues: ['at mood: expected string, got 42'] }, since: 1 });
    });
  });

  it('groups devices into users with userOf', () => {
    ts.run(({ cold }) => {
      const answers = [lobby('alice:phone'), lobby('alice:phone', 'alice:laptop', 'bob')];
      const fake = fakeContext({ hereNow: (_r, call) => cold('-(a|)', { a: answers[Math.min(call, 1)] }) });
      const seen: Roster[] = [];
      const sub = roster$(fake.context, { channels: ['lobby'], interval: 10, userOf: (uuid) => uuid.split(':')[0] }).subscribe((r) => seen.push(r));
      ts.schedule(() => sub.unsubscribe(), 15_000);
      ts.flush();
      const users = seen[1].channels.get('lobby')!.users;
      expect([...users.values()].map((u) => [u.user, u.devices.map((d) => d.uuid), u.since])).toEqual([
        ['alice', ['alice:phone', 'alice:laptop'], 1],
        ['bob', ['bob'], 10001],
      ]);
    });
  });
});

describe('roster$ options', () => {
  it.each([
    [{ channels: ['lobby'], source: 'carrier-pigeon' }, "source must be 'poll' or 'subscribe', got carrier-pigeon"],
    [{ channels: ['lobby'], source: 'subscribe' }, "source 'subscribe' needs events$ as the third argument"],
    [{ channels: ['lobby'], graceMs: -1 }, 'graceMs must be 0 or more, got -1'],
    [{ channels: ['lobby'], stateInfo: StateInfo.none }, 'a roster needs uuids: stateInfo none gives counts only'],
    [{ channels: ['lobby'], userOf: 'uuid' }, 'userOf must be a function'],
    [{}, 'at least one channel or channel group'],
  ])('%j is a validation error', (options, message) => {
    ts.run(({ expectObservable }) => {
      const fake = fakeContext({});
      const errors: unknown[] = [];
      roster$(fake.context, options as never).subscribe({ error: (e: unknown) => errors.push(e) });
      expectObservable(roster$(fake.context, options as never).pipe(map(() => 'value'))).toBe('#', undefined, expect.objectContaining({ category: 'validation' }));
      ts.flush();
      expect(String((errors[0] as Error).message)).toContain(message);
    });
  });
});

describe('presence.presenceEvents$ options', () => {
  it('a userOf that is not a function is a validation error, as with roster$', () => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({ hereNow: () => cold('-(a|)', { a: lobby('alice') }) });
      const events = fake.presence.presenceEvents$({ channels: ['lobby'], userOf: 'uuid' as never });
      // Bounded, so that a stream that polls instead of failing ends the test rather than hangs it.
      expectObservable(events, '^ 30s !').toBe('#', undefined, expect.objectContaining({ category: 'validation', message: expect.stringContaining('userOf must be a function') }));
    });
  });
});

describe('roster$ (subscribe)', () => {
  it('is seeded by a here-now (even an empty one) and kept by events', () => {
    ts.run(({ cold, expectObservable }) => {
      const polls = [
        cold('-(a|)', { a: envelope('100') }),
        cold('5ms (a|)', { a: envelope('101', presence('101', { action: 'join', uuid: 'bob', occupancy: 1, timestamp: 7, data: { mood: 'hi' } })) }),
        cold('5ms (a|)', { a: envelope('102', presence('102', { action: 'timeout', uuid: 'bob', occupancy: 0, timestamp: 8 })) }),
      ];
      const fake = fakeContext({ subscribe: (_r, call) => polls[call] ?? cold('-'), hereNow: () => cold('-(a|)', { a: lobby() }) });
      expectObservable(briefly(roster$(fake.context, { channels: ['lobby'], source: 'subscribe' }, events$)), '^ 50ms !').toBe('--a 4ms b 4ms c', {
        a: [],
        b: ['bob={"mood":"hi"}'],
        c: [],
      });
    });
  });

  it('emits one snapshot for the whole seed, and marks a failing long-poll stale', () => {
    ts.run(({ cold, expectObservable }) => {
      const polls = [cold('-(a|)', { a: envelope('100') }), cold('1ms #', undefined, refused), cold('5ms (a|)', { a: envelope('101') })];
      const fake = fakeContext({ subscribe: (_r, call) => polls[call] ?? cold('-'), hereNow: () => cold('-(a|)', { a: lobby('alice', 'bob', 'carol') }) });
      // Seeded at 2; the long-poll fails at 3 (stale), is retried at 1003 and answers at 1008.
      expectObservable(briefly(roster$(fake.context, { channels: ['lobby'], source: 'subscribe' }, events$)), '^ 2s !').toBe(
        '--a 0ms b 1004ms c',
        { a: ['alice', 'bob', 'carol'], b: ['alice', 'bob', 'carol', 'stale'], c: ['alice', 'bob', 'carol'] },
      );
    });
  });
});

describe('presence.presenceEvents$ with userOf', () => {
  it('reports a user join when the first device arrives and a leave when the last goes, listing the devices', () => {
    ts.run(({ cold, expectObservable }) => {
      const answers = [lobby('alice:phone'), lobby('alice:phone', 'alice:laptop'), lobby('alice:laptop'), lobby()];
      const fake = fakeContext({ hereNow: (_r, call) => cold('-(a|)', { a: answers[Math.min(call, 3)] }) });
      const events = fake.presence.presenceEvents$({ channels: ['lobby'], interval: 10, userOf: (uuid) => uuid.split(':')[0] });
      expectObservable(events.pipe(map((e) => `${e.action} ${e.user} ${e.devices.join('+')}`)), '^ 35s !').toBe('-j 29999ms l', {
        j: 'join alice alice:phone',
        l: 'leave alice ',
      });
    });
  });
});

describe('presence.presenceEvents$ with userOf: a device swap between two polls', () => {
  it('is no user leave and join: the user was there at both polls, as the roster shows', () => {
    ts.run(({ cold, expectObservable }) => {
      const answers = [lobby('alice:phone'), lobby('alice:laptop'), lobby()];
      const fake = fakeContext({ hereNow: (_r, call) => cold('-(a|)', { a: answers[Math.min(call, 2)] }) });
      const userOf = (uuid: string) => uuid.split(':')[0];
      const events = fake.presence.presenceEvents$({ channels: ['lobby'], interval: 10, userOf });
      expectObservable(events.pipe(map((e) => `${e.action} ${e.user} ${e.devices.join('+')}`)), '^ 25s !').toBe('-j 19999ms l', {
        j: 'join alice alice:phone',
        l: 'leave alice ',
      });
      const users = fake.presence.roster$({ channels: ['lobby'], interval: 10, userOf }).pipe(map((r) => [...(r.channels.get('lobby')?.users.keys() ?? [])]));
      expectObservable(users, '^ 25s !').toBe('-a 9999ms a 9999ms b', { a: ['alice'], b: [] });
    });
  });
});

describe('roster$ (subscribe): events that change nothing', () => {
  it('emits nothing for a join of someone present, or a state change to the same state', () => {
    ts.run(({ cold, expectObservable }) => {
      const polls = [
        cold('-(a|)', { a: envelope('100') }),
        cold('5ms (a|)', { a: envelope('101', presence('101', { action: 'join', uuid: 'bob', occupancy: 1, timestamp: 7, data: { mood: 'hi' } })) }),
        cold('5ms (a|)', { a: envelope('102', presence('102', { action: 'join', uuid: 'bob', occupancy: 1, timestamp: 8, data: { mood: 'hi' } })) }),
        cold('5ms (a|)', { a: envelope('103', presence('103', { action: 'state-change', uuid: 'bob', occupancy: 1, timestamp: 9, data: { mood: 'hi' } })) }),
      ];
      const fake = fakeContext({ subscribe: (_r, call) => polls[call] ?? cold('-'), hereNow: () => cold('-(a|)', { a: lobby() }) });
      expectObservable(briefly(roster$(fake.context, { channels: ['lobby'], source: 'subscribe' }, events$)), '^ 50ms !').toBe('--a 4ms b', {
        a: [],
        b: ['bob={"mood":"hi"}'],
      });
    });
  });
});
