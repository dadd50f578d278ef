// How users test their own presence pipelines with marbles: the README quotes this file.
import { filter, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Presence } from 'rx-presence';
import { responses, scriptedPresence } from 'rx-presence/testing';

// The code under test: a user's own pipeline, "who just arrived in the lobby".
const arrivals$ = (presence: Presence) =>
  presence.presenceEvents$({ channels: ['lobby'], interval: 5 }).pipe(
    filter((event) => event.action === 'join'),
    map((event) => event.uuid),
  );

describe('arrivals$', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('reports each newcomer once, on virtual time', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const snapshots = [['alice'], ['alice', 'bob'], ['bob']];
      const { presence, requests } = scriptedPresence({
        hereNow: (_request, call) => cold('-(a|)', { a: responses.hereNow(snapshots[Math.min(call, 2)]) }),
      });
      expectObservable(arrivals$(presence), '^ 12s !').toBe('-a 4999ms b', { a: 'alice', b: 'bob' });
      testScheduler.flush();
      expect(requests.map((r) => r.at)).toEqual([0, 5000, 10000]);
    });
  });
});
