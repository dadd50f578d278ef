/**
 * roster$ under another user's hostile data, as presenceEvents$ is in hostile-peers.spec.ts: a
 * peer's state can never end the roster with anything but a PresenceError, and one nested as
 * deep as the service lets through keeps it (and its selectors) going.
 */
import { TestScheduler } from 'rxjs/testing';
import { isPresenceError } from '../../lib/errors';
import { events$ } from '../../lib/streams/events-stream';
import { stateOf } from '../../lib/streams/roster-selectors';
import { roster$ } from '../../lib/streams/roster-stream';
import { fakeContext } from '../helpers/fake-transport';
import { envelope, lobby, nested, presence } from '../helpers/hostile-bodies';

let ts: TestScheduler;
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

// Getters that throw stand in for any bug that processing the answer might hit.
const throwing = () => ({
  get mood(): unknown {
    throw new RangeError('boom');
  },
});

describe("roster$ and a peer's hostile state", () => {
  it('ends with a PresenceError, never a raw error, whichever the source', () => {
    ts.run(({ cold }) => {
      const answers = [lobby({ uuid: 'mallory', state: { mood: 'ok' } }), lobby({ uuid: 'mallory', state: throwing() })];
      const polls = [
        cold('(a|)', { a: envelope('100') }),
        cold('1ms (a|)', { a: envelope('101', presence('101', { action: 'state-change', uuid: 'mallory', occupancy: 1, timestamp: 7, data: throwing() })) }),
      ];
      const fake = fakeContext({ hereNow: (_r, call) => cold('-(a|)', { a: answers[Math.min(call, 1)] }), subscribe: (_r, call) => polls[call] ?? cold('-') });
      const failures: unknown[] = [];
      const polling = roster$(fake.context, { channels: ['lobby'], interval: 10, stateInfo: 'all' }).subscribe({ error: (e: unknown) => failures.push(e) });
      const live = roster$(fake.context, { channels: ['lobby'], source: 'subscribe', graceMs: 5 }, events$).subscribe({ error: (e: unknown) => failures.push(e) });
      ts.schedule(() => {
        polling.unsubscribe();
        live.unsubscribe();
      }, 20_000);
      ts.flush();
      expect(failures).toHaveLength(2);
      for (const failure of failures) expect(isPresenceError(failure)).toBe(true);
    });
  });

  it('keeps going through a state nested 4,000 levels deep, and stateOf tells two such states apart', () => {
    ts.run(({ cold }) => {
      const answers = [lobby({ uuid: 'mallory', state: { v: nested(4000, 1) } }), lobby({ uuid: 'mallory', state: { v: nested(4000, 2) } })];
      const fake = fakeContext({ hereNow: (_r, call) => cold('-(a|)', { a: answers[Math.min(call, 1)] }) });
      const seen: unknown[] = [];
      let failure: unknown;
      const subscription = roster$(fake.context, { channels: ['lobby'], interval: 10, stateInfo: 'all', userOf: (_uuid, state) => JSON.stringify(state).slice(0, 3) })
        .pipe(stateOf('mallory', 'lobby'))
        .subscribe({ next: (state) => seen.push(state), error: (e: unknown) => (failure = e) });
      ts.schedule(() => subscription.unsubscribe(), 25_000);
      ts.flush();
      expect(failure).toBeUndefined();
      expect(seen).toHaveLength(2);
    });
  });
});
