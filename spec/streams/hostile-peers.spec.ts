/**
 * Another user's data must never end a watcher's stream (issue 13, defect 6): a peer's state can
 * be nested as deep as the service lets it through, and every error that does reach a subscriber
 * is a PresenceError.
 */
import * as t from 'io-ts';
import { of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { isPresenceError } from '../../lib/errors';
import { decodeStates } from '../../lib/streams/presence-events-stream';
import { events$ } from '../../lib/streams/events-stream';
import { presenceEvents$ } from '../../lib/streams/presence-events-stream';
import { jsonEqual } from '../../lib/streams/json-equal';
import { fakeContext } from '../helpers/fake-transport';
import { envelope, lobby, nested, presence } from '../helpers/hostile-bodies';

let ts: TestScheduler;
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});


describe("a peer's deeply nested state", () => {
  it('is 8 KB of JSON at 4,000 levels (what the service lets through)', () => {
    expect(JSON.stringify(nested(4000)).length).toBe(8001);
  });

  it('jsonEqual compares 4,000 and 50,000 levels without overflowing the stack', () => {
    for (const levels of [4000, 50_000]) {
      expect(jsonEqual(nested(levels), nested(levels))).toBe(true);
      expect(jsonEqual(nested(levels, 1), nested(levels, 2))).toBe(false);
      expect(jsonEqual(nested(levels), nested(levels + 1))).toBe(false);
    }
  });

  it('presenceEvents$ (state info on) keeps going: the state change is an event, not a RangeError', () => {
    ts.run(({ cold }) => {
      const answers = [lobby({ uuid: 'mallory', state: { v: nested(4000, 1) } }), lobby({ uuid: 'mallory', state: { v: nested(4000, 2) } }), lobby({ uuid: 'mallory', state: { v: nested(4000, 2) } })];
      const fake = fakeContext({ hereNow: (_r, call) => cold('-(a|)', { a: answers[Math.min(call, 2)] }) });
      const seen: string[] = [];
      let failure: unknown;
      const subscription = presenceEvents$(fake.context, { channels: ['lobby'], interval: 10, stateInfo: 'all' }).subscribe({
        next: (e) => seen.push(`${e.action} ${e.uuid}`),
        error: (e: unknown) => (failure = e),
      });
      ts.schedule(() => subscription.unsubscribe(), 25_000);
      ts.flush();
      expect(failure).toBeUndefined();
      expect(seen).toEqual(['join mallory', 'state-change mallory']);
    });
  });

  it('events$ keeps going: a join then a state change carrying it', () => {
    ts.run(({ cold }) => {
      const polls = [
        cold('(a|)', { a: envelope('100') }),
        cold('1ms (a|)', { a: envelope('101', presence('101', { action: 'join', uuid: 'mallory', occupancy: 1, timestamp: 7, data: { v: nested(4000, 1) } })) }),
        cold('1ms (a|)', { a: envelope('102', presence('102', { action: 'state-change', uuid: 'mallory', occupancy: 1, timestamp: 8, data: { v: nested(4000, 2) } })) }),
        cold('1ms (a|)', { a: envelope('103', presence('103', { action: 'join', uuid: 'mallory', occupancy: 1, timestamp: 9, data: { v: nested(4000, 2) } })) }),
      ];
      const fake = fakeContext({ subscribe: (_r, call) => polls[call] ?? cold('-'), hereNow: () => cold('(a|)', { a: lobby() }) });
      const seen: string[] = [];
      let failure: unknown;
      events$(fake.context, { channels: ['lobby'], initial: 'skip' }).subscribe({ next: (e) => seen.push(`${e.action} ${e.uuid}`), error: (e: unknown) => (failure = e) });
      ts.schedule(() => undefined, 50);
      ts.flush();
      expect(failure).toBeUndefined();
      // The replayed join with the same state changes nothing.
      expect(seen).toEqual(['join mallory', 'state-change mallory']);
    });
  });

  it('a codec that recurses into it yields state-invalid, never a RangeError', () => {
    type Tree = number | Tree[];
    const Tree: t.Type<Tree> = t.recursion('Tree', () => t.union([t.number, t.array(Tree)]));
    const events: unknown[] = [];
    let failure: unknown;
    of({ action: 'join' as const, channel: 'lobby', uuid: 'mallory', occupancy: 1, timestamp: 0, state: nested(100_000, 'leaf') })
      .pipe(decodeStates(Tree))
      .subscribe({ next: (e) => events.push(e), error: (e: unknown) => (failure = e) });
    // Plain checks: a matcher failing on a 100,000-level value would print it.
    expect(failure === undefined).toBe(true);
    expect(events.length).toBe(1);
    const [event] = events as Array<{ action: string; issues: string[] }>;
    expect(event.action).toBe('state-invalid');
    expect(event.issues.length).toBe(1);
    expect(event.issues[0]).toMatch(/could not be checked/);
  });

  it('every error reaching a subscriber is a PresenceError, even for data no JSON parser makes', () => {
    // Getters that throw stand in for any bug that processing the answer might hit.
    const throwing = () => ({
      get mood(): unknown {
        throw new RangeError('boom');
      },
    });
    ts.run(({ cold }) => {
      const answers = [lobby({ uuid: 'mallory', state: { mood: 'ok' } }), lobby({ uuid: 'mallory', state: throwing() })];
      const polls = [
        cold('(a|)', { a: envelope('100') }),
        cold('1ms (a|)', { a: envelope('101', presence('101', { action: 'state-change', uuid: 'mallory', occupancy: 1, timestamp: 7, data: throwing() })) }),
      ];
      const fake = fakeContext({
        hereNow: (_r, call) => cold('-(a|)', { a: answers[Math.min(call, 1)] }),
        subscribe: (_r, call) => polls[call] ?? cold('-'),
      });
      const failures: unknown[] = [];
      // Each ends with its error; the unsubscribe is only a bound, should one not.
      const polling = presenceEvents$(fake.context, { channels: ['lobby'], interval: 10, stateInfo: 'all' }).subscribe({ error: (e: unknown) => failures.push(e) });
      events$(fake.context, { channels: ['lobby'] }).subscribe({ error: (e: unknown) => failures.push(e) });
      // A one-shot call whose answer cannot even be read.
      const unreadable = { status: 200, occupancy: 1, get uuids(): unknown[] { throw new RangeError('boom'); } };
      const oneShot = fakeContext({ hereNow: () => cold('(a|)', { a: unreadable }) });
      oneShot.presence.hereNow({ channels: ['lobby'] }).subscribe({ error: (e: unknown) => failures.push(e) });
      ts.schedule(() => polling.unsubscribe(), 20_000);
      ts.flush();
      expect(failures).toHaveLength(3);
      for (const failure of failures) {
        expect(isPresenceError(failure)).toBe(true);
        expect(failure).toMatchObject({ category: 'malformed-response', message: expect.stringMatching(/could not process the answer \(RangeError: boom\)/) });
      }
    });
  });
});
