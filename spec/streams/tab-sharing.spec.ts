/**
 * The coordination of `rx-presence/browser` on virtual time (issue 12): tabs of one browser
 * (fake Web Locks and BroadcastChannel, see spec/helpers/fake-tabs.ts), each a client with a
 * scripted transport. Who sends the heartbeats (one leader, for the union), which leaves go out
 * (only for names no open tab holds), takeovers (close, crash), shared polls, offline and hidden
 * tabs, the fallback without the APIs. The real browser is in spec/browser/tabs.spec.ts.
 */
import { type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { leaveOnHide } from '../../lib/browser/leave-on-page-hide';
import { shareTabs, type ShareAcrossTabsOptions } from '../../lib/browser/share-across-tabs';
import { Keyset, UserId } from '../../lib/keyset';
import { bodies, fakeContext } from '../helpers/fake-transport';
import { fakeBrowser, type FakeTab } from '../helpers/fake-tabs';

let ts: TestScheduler;
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const lobby = (...uuids: string[]) => ({ status: 200, message: 'OK', service: 'Presence', occupancy: uuids.length, uuids });

/** A tab running a client of `user` with both helpers (or as `share` says). */
function openTab(browser: ReturnType<typeof fakeBrowser>, cold: TestScheduler['createColdObservable'], options: { user?: string; share?: ShareAcrossTabsOptions | false } = {}) {
  const tab: FakeTab = browser.tab();
  const fake = fakeContext(
    { heartbeat: () => cold('-a|', { a: bodies.heartbeat }), leave: () => cold('-a|', { a: bodies.leave }), hereNow: () => cold('-a|', { a: lobby('alice') }) },
    new Keyset({ subscribeKey: 'sub', userId: new UserId(options.user ?? 'me') }),
  );
  const helpers: Subscription[] = [leaveOnHide(fake.context, tab.environment)];
  if (options.share !== false) helpers.push(shareTabs(fake.context, tab.environment, options.share ?? {}));
  return { tab, fake, helpers, presence: fake.presence };
}

type Tab = ReturnType<typeof openTab>;
/** `time channels` of a tab's requests of one operation. */
const sent = (tab: Tab, operation: 'heartbeat' | 'leave' | 'hereNow') => tab.fake.of(operation).map((r) => `${r.at} ${r.channels.join(',')}`);

/**
 * Two tabs of one user on overlapping channels, A on `a,b` and B on `b,c` (every 10 s, timeout
 * 30 s); at 5 s `happen` does something to them; the clock runs to `until`.
 */
function overlappingTabs(cold: TestScheduler['createColdObservable'], happen: (a: Tab, b: Tab) => void, until: number): { a: Tab; b: Tab } {
  const browser = fakeBrowser();
  const a = openTab(browser, cold);
  const b = openTab(browser, cold);
  a.presence.heartbeat$({ channels: ['a', 'b'], heartbeat: 30, interval: 10 }).subscribe();
  b.presence.heartbeat$({ channels: ['b', 'c'], heartbeat: 30, interval: 10 }).subscribe();
  ts.schedule(() => happen(a, b), 5_000);
  ts.maxFrames = until; // the loops run forever: stop the clock here
  ts.flush();
  return { a, b };
}

describe('one leader heartbeats for every tab', () => {
  it('the first tab leads: one heartbeat per interval over the union, every tab sees each beat', () => {
    ts.run(({ cold }) => {
      const browser = fakeBrowser();
      const a = openTab(browser, cold);
      const b = openTab(browser, cold);
      const beatsSeenByB: number[] = [];
      a.presence.heartbeat$({ channels: ['a', 'b'], heartbeat: 30, interval: 10 }).subscribe();
      ts.schedule(() => b.presence.heartbeat$({ channels: ['b', 'c'], heartbeat: 30, interval: 10 }).subscribe((e) => (e.type === 'ok' ? beatsSeenByB.push(ts.now()) : undefined)), 100);
      ts.maxFrames = 35_000; // the loops run forever: stop the clock here
      ts.flush();

      // A's own beat at once (as soon as it holds the leader lock), one more when B's claim on 'c'
      // arrives (1 ms over the channel) and grows the union, then every 10 s; B sends nothing.
      expect(sent(a, 'heartbeat')).toEqual(['0 a,b', '101 a,b,c', '10101 a,b,c', '20101 a,b,c', '30101 a,b,c']);
      expect(sent(b, 'heartbeat')).toEqual([]);
      // B's heartbeat$ reports the leader's beats (each 1 ms after its answer, over the channel).
      expect(beatsSeenByB).toEqual([103, 10103, 20103, 30103]);
    });
  });

  it('tabs with another user id or subscribe key do not merge', () => {
    ts.run(({ cold }) => {
      const browser = fakeBrowser();
      const me = openTab(browser, cold);
      const other = openTab(browser, cold, { user: 'other' });
      me.presence.heartbeat$({ channels: ['lobby'], heartbeat: 30, interval: 10 }).subscribe();
      other.presence.heartbeat$({ channels: ['lobby'], heartbeat: 30, interval: 10 }).subscribe();
      ts.maxFrames = 15_000; // the loops run forever: stop the clock here
      ts.flush();

      expect(sent(me, 'heartbeat')).toEqual(['0 lobby', '10000 lobby']);
      expect(sent(other, 'heartbeat')).toEqual(['0 lobby', '10000 lobby']);
    });
  });
});

describe('leaves go out only for names no open tab holds', () => {
  it('a follower closing: its own name is left (keepalive), the shared one is not', () => {
    ts.run(({ cold }) => {
      const { a, b } = overlappingTabs(cold, (_a, b) => b.tab.close(), 25_000);

      // B leaves 'c' as it goes; A, seeing B's tab lock free, lets go of 'c' too (a second leave
      // changes nothing); 'b' stays, heartbeated by A.
      expect(sent(b, 'leave')).toEqual(['5000 c']);
      expect(b.fake.of('leave')[0].init).toEqual({ keepalive: true });
      expect(sent(a, 'leave')).toEqual(['5000 c']);
      expect(sent(a, 'heartbeat')).toEqual(['0 a,b', '1 a,b,c', '10001 a,b', '20001 a,b']);
    });
  });

  it('the leader closing: it leaves only its own name; the next tab leads and beats at once', () => {
    ts.run(({ cold }) => {
      const { a, b } = overlappingTabs(cold, (a) => a.tab.close(), 16_000);

      expect(sent(a, 'leave')).toEqual(['5000 a']);
      expect(sent(b, 'heartbeat')).toEqual(['5000 b,c', '15000 b,c']);
      // Letting go of its predecessor's names, B leaves 'a' again; never 'b'.
      expect(sent(b, 'leave')).toEqual(['5000 a']);
    });
  });

  it('the leader crashing: the next tab leads, beats at once and leaves what only the dead tab held', () => {
    ts.run(({ cold }) => {
      const { a, b } = overlappingTabs(cold, (a) => a.tab.crash(), 16_000);

      expect(sent(a, 'leave')).toEqual([]);
      expect(sent(b, 'heartbeat')).toEqual(['5000 b,c', '15000 b,c']);
      expect(sent(b, 'leave')).toEqual(['5000 a']);
    });
  });

  it('the last tab closing leaves everything', () => {
    ts.run(({ cold }) => {
      const browser = fakeBrowser();
      const a = openTab(browser, cold);
      a.presence.heartbeat$({ channels: ['a', 'b'], heartbeat: 30, interval: 10 }).subscribe();
      ts.schedule(() => a.tab.close(), 5_000);
      ts.maxFrames = 16_000; // the loops run forever: stop the clock here
      ts.flush();

      expect(sent(a, 'leave')).toEqual(['5000 a,b']);
      expect(sent(a, 'heartbeat')).toEqual(['0 a,b']);
    });
  });
});

describe('polls, network and visibility', () => {
  it('identical polls are made once, by the leader, and fanned out', () => {
    ts.run(({ cold }) => {
      const browser = fakeBrowser();
      const a = openTab(browser, cold);
      const b = openTab(browser, cold);
      const seenByB: number[] = [];
      a.presence.hereNow$({ channels: ['lobby'], interval: 5 }).subscribe();
      b.presence.hereNow$({ channels: ['lobby'], interval: 5 }).subscribe((r) => seenByB.push(r.totalOccupancy));
      ts.maxFrames = 12_000; // the loops run forever: stop the clock here
      ts.flush();

      expect(sent(b, 'hereNow')).toEqual([]);
      expect(sent(a, 'hereNow')).toEqual(['0 lobby', '5000 lobby', '10000 lobby']);
      expect(seenByB).toEqual([1, 1, 1]);
    });
  });

  it('offline: no heartbeat, no poll; online: a heartbeat and a poll at once', () => {
    ts.run(({ cold }) => {
      const browser = fakeBrowser();
      const a = openTab(browser, cold);
      a.presence.heartbeat$({ channels: ['lobby'], heartbeat: 30, interval: 2 }).subscribe();
      a.presence.hereNow$({ channels: ['lobby'], interval: 3 }).subscribe();
      ts.schedule(() => a.tab.online$.next(false), 1_000);
      ts.schedule(() => a.tab.online$.next(true), 6_500);
      ts.maxFrames = 7_000; // the loops run forever: stop the clock here
      ts.flush();

      expect(sent(a, 'heartbeat')).toEqual(['0 lobby', '6500 lobby']);
      expect(sent(a, 'hereNow')).toEqual(['0 lobby', '6500 lobby']);
    });
  });

  it('a hidden tab pauses its polls (not its heartbeats) and polls at once when visible again', () => {
    ts.run(({ cold }) => {
      const browser = fakeBrowser();
      const a = openTab(browser, cold);
      a.presence.heartbeat$({ channels: ['lobby'], heartbeat: 30, interval: 2 }).subscribe();
      a.presence.hereNow$({ channels: ['lobby'], interval: 3 }).subscribe();
      ts.schedule(() => a.tab.visible$.next(false), 1_000);
      ts.schedule(() => a.tab.visible$.next(true), 7_500);
      ts.maxFrames = 8_000; // the loops run forever: stop the clock here
      ts.flush();

      expect(sent(a, 'heartbeat')).toEqual(['0 lobby', '2000 lobby', '4000 lobby', '6000 lobby', '8000 lobby']);
      expect(sent(a, 'hereNow')).toEqual(['0 lobby', '7500 lobby']);
    });
  });

  it('pauseHiddenPolls: false keeps polling while hidden', () => {
    ts.run(({ cold }) => {
      const browser = fakeBrowser();
      const a = openTab(browser, cold, { share: { pauseHiddenPolls: false } });
      a.presence.hereNow$({ channels: ['lobby'], interval: 3 }).subscribe();
      ts.schedule(() => a.tab.visible$.next(false), 1_000);
      ts.maxFrames = 7_000; // the loops run forever: stop the clock here
      ts.flush();

      expect(sent(a, 'hereNow')).toEqual(['0 lobby', '3000 lobby', '6000 lobby']);
    });
  });
});

describe('without navigator.locks or BroadcastChannel', () => {
  it('each tab runs on its own and says so once', () => {
    ts.run(({ cold }) => {
      const browser = fakeBrowser({ locks: false });
      const a = openTab(browser, cold);
      const b = openTab(browser, cold);
      a.presence.heartbeat$({ channels: ['lobby'], heartbeat: 30, interval: 10 }).subscribe();
      b.presence.heartbeat$({ channels: ['lobby'], heartbeat: 30, interval: 10 }).subscribe();
      ts.maxFrames = 5_000; // the loops run forever: stop the clock here
      ts.flush();

      expect(sent(a, 'heartbeat')).toEqual(['0 lobby']);
      expect(sent(b, 'heartbeat')).toEqual(['0 lobby']);
      expect([...a.tab.warnings, ...b.tab.warnings].length).toBeLessThanOrEqual(1);
    });
  });
});
