import { TestScheduler } from 'rxjs/testing';
import { byUser } from '../../lib/streams/by-user';
import { isPresent, members, occupancy, stateOf } from '../../lib/streams/roster-selectors';
import type { Roster, RosterMember } from '../../lib/streams/roster-stream';
import type { PresenceEvent } from '../../lib/types';

let ts: TestScheduler;
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

/** A roster of the lobby (and an empty hall), built the way roster$ shares unchanged members. */
const rosterOf = (...people: RosterMember[]): Roster => ({
  stale: false,
  channels: new Map([
    ['lobby', { channel: 'lobby', occupancy: people.length, members: new Map(people.map((m) => [m.uuid, m])), users: new Map(people.map((m) => [m.uuid.split(':')[0], { user: m.uuid.split(':')[0], devices: [m], since: m.since }])) }],
    ['hall', { channel: 'hall', occupancy: 0, members: new Map(), users: new Map() }],
  ]),
});
const alice: RosterMember = { uuid: 'alice:phone', state: { mood: 'ok' }, since: 0 };
const aliceAgain: RosterMember = { uuid: 'alice:phone', state: { mood: 'ok' }, since: 0 };
const aliceBusy: RosterMember = { uuid: 'alice:phone', state: { mood: 'busy' }, since: 0 };
const bob: RosterMember = { uuid: 'bob', since: 3 };

describe('roster selectors emit only on change', () => {
  // a: alice; b: alice and bob; c: same as b but a new roster object (stale flipped);
  // d: alice's state as new equal JSON; e: alice busy; f: bob only.
  const values = {
    a: rosterOf(alice),
    b: rosterOf(alice, bob),
    c: { ...rosterOf(alice, bob), stale: true },
    d: rosterOf(aliceAgain, bob),
    e: rosterOf(aliceBusy, bob),
    f: rosterOf(bob),
  };
  const rosters = '  a-b-c-d-e-f';

  it('occupancy(channel)', () => {
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold(rosters, values).pipe(occupancy('lobby'))).toBe('1-2-------1', { 1: 1, 2: 2 });
      expectObservable(cold(rosters, values).pipe(occupancy('nowhere'))).toBe('0', { 0: 0 });
    });
  });

  it('members(channel)', () => {
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold(rosters, values).pipe(members('lobby'))).toBe('a-b---d-e-f', {
        a: [alice],
        b: [alice, bob],
        d: [aliceAgain, bob],
        e: [aliceBusy, bob],
        f: [bob],
      });
    });
  });

  it('isPresent(uuid or user, channel?)', () => {
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold(rosters, values).pipe(isPresent('bob'))).toBe('n-y', { n: false, y: true });
      expectObservable(cold(rosters, values).pipe(isPresent('alice'))).toBe('y---------n', { n: false, y: true });
      expectObservable(cold(rosters, values).pipe(isPresent('alice:phone', 'hall'))).toBe('n', { n: false });
    });
  });

  it('stateOf(uuid, channel), compared as JSON', () => {
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold(rosters, values).pipe(stateOf('alice:phone', 'lobby'))).toBe('o-------b-u', { o: { mood: 'ok' }, b: { mood: 'busy' }, u: undefined });
    });
  });
});

describe('byUser: two devices of one user', () => {
  const event = (action: PresenceEvent['action'], uuid: string, frame = 0): PresenceEvent =>
    action === 'state-invalid' ? { action, channel: 'lobby', uuid, occupancy: 0, timestamp: frame, state: 1, issues: [] } : { action, channel: 'lobby', uuid, occupancy: 0, timestamp: frame };
  const userOf = (uuid: string) => uuid.split(':')[0];
  const orders: Array<Array<[PresenceEvent['action'], string]>> = [
    [['join', 'a:phone'], ['join', 'a:laptop'], ['leave', 'a:phone'], ['leave', 'a:laptop']],
    [['join', 'a:phone'], ['join', 'a:laptop'], ['leave', 'a:laptop'], ['leave', 'a:phone']],
    [['join', 'a:laptop'], ['join', 'a:phone'], ['leave', 'a:phone'], ['leave', 'a:laptop']],
    [['join', 'a:laptop'], ['join', 'a:phone'], ['timeout', 'a:laptop'], ['leave', 'a:phone']],
  ];

  it.each(orders.map((order) => [order.map(([a, u]) => `${a} ${u}`).join(', '), order] as const))('%s: one user join, one user leave', (_name, order) => {
    ts.run(({ cold, expectObservable }) => {
      const [[, first], , , [lastAction, last]] = order;
      const source = cold('abcd', Object.fromEntries(order.map(([action, uuid], i) => ['abcd'[i], event(action, uuid)])));
      expectObservable(source.pipe(byUser(userOf))).toBe('j--l', {
        j: { ...event('join', first), user: 'a', devices: [first] },
        l: { ...event(lastAction, last), user: 'a', devices: [] },
      });
    });
  });

  it('passes state changes through as the user’s, and ignores a leave for a device never seen', () => {
    ts.run(({ cold, expectObservable }) => {
      const source = cold('abc', { a: event('join', 'a:phone'), b: event('state-change', 'a:phone'), c: event('leave', 'a:tablet') });
      expectObservable(source.pipe(byUser(userOf))).toBe('ab', {
        a: { ...event('join', 'a:phone'), user: 'a', devices: ['a:phone'] },
        b: { ...event('state-change', 'a:phone'), user: 'a', devices: ['a:phone'] },
      });
    });
  });

  it('treats a userOf that throws, or returns no string, as "the uuid is its own user"', () => {
    ts.run(({ cold, expectObservable }) => {
      const hostile = (uuid: string) => {
        if (uuid === 'x') throw new Error('bad state');
        return 42 as unknown as string;
      };
      expectObservable(cold('ab', { a: event('join', 'x'), b: event('join', 'y') }).pipe(byUser(hostile))).toBe('ab', {
        a: { ...event('join', 'x'), user: 'x', devices: ['x'] },
        b: { ...event('join', 'y'), user: 'y', devices: ['y'] },
      });
    });
  });
});
