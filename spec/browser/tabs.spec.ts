/**
 * `shareAcrossTabs` (with `leaveOnPageHide`) in Chromium (issue 12, points 2 to 5): tabs of one
 * browser context (one origin's locks and channels) against the emulator on another origin,
 * asserted through the emulator's `events$` and request log. Each test has its own browser
 * context and subscribe key, so the tests run concurrently; presence timeouts are 30 s, so a user
 * gone within a test was removed by a leave.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startEmulator, type Emulator, type EmulatorPresenceEvent, type EmulatorRequestRecord } from '../../lib/emulator';
import type { TabPage } from '../fixtures/browser/tab-page';
import { browserSuite, bundlePage, FIXTURES, launchChromium, openTab, servePage, type ServedPage } from '../helpers/browser';
import { ok, randomKey, waitFor } from '../helpers/emulator';

type Timed<T> = T & { readonly at: number };

/** What the offline test's init script counts in a page (see there). */
interface PageNetwork {
  offline: boolean;
  calls: number;
  whileOffline: number;
}

interface World {
  readonly chromium: Browser;
  readonly emulator: Emulator;
  readonly site: ServedPage;
  readonly events: Array<Timed<EmulatorPresenceEvent>>;
  readonly records: Array<Timed<EmulatorRequestRecord>>;
}

let world: Promise<World> | undefined;
/** One browser and one emulator for the file (made by the first test: concurrent tests start before `beforeAll` ends). */
const setUp = (): Promise<World> =>
  (world ??= (async () => {
    const [chromium, script, emulator] = await Promise.all([launchChromium(), bundlePage(`${FIXTURES}/tab-page.ts`), startEmulator({ hereNowCacheMs: 0 })]);
    const events: World['events'] = [];
    const records: World['records'] = [];
    emulator.events$.subscribe((event) => events.push({ ...event, at: Date.now() }));
    emulator.requests$.subscribe((record) => records.push({ ...record, at: Date.now() }));
    return { chromium, emulator, site: await servePage(script, 'app'), events, records };
  })());

afterAll(async () => {
  if (world === undefined) return;
  const { chromium, emulator, site } = await world;
  await chromium.close();
  await Promise.all([site.close(), emulator.close()]);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `tabPage[name]()` in a tab. */
function call<K extends keyof TabPage>(page: Page, name: K): Promise<Awaited<ReturnType<TabPage[K]>>> {
  return page.evaluate((fn) => (globalThis as unknown as { tabPage: Record<string, () => unknown> }).tabPage[fn](), name as string) as Promise<Awaited<ReturnType<TabPage[K]>>>;
}

interface TabOptions {
  readonly user?: string;
  readonly channels?: readonly string[];
  readonly interval?: number;
  readonly poll?: string;
}

/** A test's tabs: one browser context, one subscribe key. */
async function tabsOf(w: World) {
  const key = randomKey();
  const context: BrowserContext = await w.chromium.newContext();
  const open = async ({ user = 'u', channels = [], interval = 2, poll }: TabOptions) => {
    const query = new URLSearchParams({ origin: w.emulator.url, key, user, channels: channels.join(','), interval: String(interval), timeout: '30', share: '', leave: '' });
    if (poll !== undefined) query.set('poll', poll);
    return (await openTab(context, `${w.site.url}?${query}`)).page;
  };
  /** The requests of this key. */
  const requests = (operation: EmulatorRequestRecord['operation']) => w.records.filter((r) => r.operation === operation && r.path.includes(key));
  /** The heartbeats of this key, with the channels each carried. */
  const beats = (user = 'u') =>
    w.records
      .filter((r) => r.operation === 'heartbeat' && r.path.includes(key) && r.query.uuid === user)
      .map((r) => ({ at: r.at, channels: decodeURIComponent(/\/channel\/([^/]*)\/heartbeat/.exec(r.path)![1]).split(',').sort() }));
  const events = () => w.events.filter((e) => e.subscribeKey === key);
  return { key, context, open, beats, events, requests };
}

browserSuite('shareAcrossTabs in Chromium', () => {
  it.concurrent('five tabs of one user: one heartbeat per interval carrying the union, not five', async () => {
    const w = await setUp();
    const { context, open, beats } = await tabsOf(w);
    const union = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'];
    for (let i = 0; i < 5; i++) await open({ channels: [`c${i}`, `c${i + 1}`], interval: 2 });
    await waitFor(() => beats().some((b) => b.channels.join() === union.join()), 5_000, 'a heartbeat carrying the union');

    const from = Date.now();
    await sleep(10_000);
    const window = beats().filter((b) => b.at >= from && b.at < from + 10_000);

    // 10 s at 2 s: 5 heartbeats (±1), each with all six channels; five tabs on their own would make 25.
    expect(window.length).toBeGreaterThanOrEqual(4);
    expect(window.length).toBeLessThanOrEqual(6);
    expect(window.map((b) => b.channels.join())).toEqual(window.map(() => union.join()));
    await context.close();
  }, 90_000);

  it.concurrent('closing tabs one by one, the leader first: no leave while a tab holds the channel, the next leader beats within 2 s, the last close leaves within 1 s', async () => {
    const w = await setUp();
    const { key, context, open, beats, events } = await tabsOf(w);
    // A long interval: a heartbeat within 2 s of the leader closing is the new leader's first.
    const tabs = [
      { page: await open({ channels: ['a', 'b'], interval: 10 }), channels: ['a', 'b'] },
      { page: await open({ channels: ['b', 'c'], interval: 10 }), channels: ['b', 'c'] },
      { page: await open({ channels: ['c'], interval: 10 }), channels: ['c'] },
    ];
    await waitFor(() => ['a', 'b', 'c'].every((channel) => events().some((e) => e.action === 'join' && e.channel === channel)), 5_000, 'the joins');
    await waitFor(async () => call(tabs[0].page, 'leader'), 5_000, 'the first tab leads');

    const leaves: Array<{ channel: string; heldByOpenTab: boolean }> = [];
    const closed = new Set<number>();
    const sub = w.emulator.events$.subscribe((e) => {
      if (e.subscribeKey !== key || (e.action !== 'leave' && e.action !== 'timeout')) return;
      leaves.push({ channel: `${e.action} ${e.channel}`, heldByOpenTab: tabs.some((tab, i) => !closed.has(i) && tab.channels.includes(e.channel)) });
    });

    // The leader goes first.
    const leaderClosed = Date.now();
    closed.add(0);
    await tabs[0].page.close();
    await waitFor(() => beats().some((b) => b.at > leaderClosed), 2_000, "the new leader's heartbeat");
    expect(beats().find((b) => b.at > leaderClosed)!.channels).toEqual(['b', 'c']);
    expect((await call(tabs[1].page, 'leader')) || (await call(tabs[2].page, 'leader'))).toBe(true);
    await waitFor(() => leaves.length >= 1, 2_000, "the leave of 'a'");

    closed.add(1);
    await tabs[1].page.close();
    await waitFor(() => leaves.length >= 2, 2_000, "the leave of 'b'");
    // One by one: the last tab learns that the other is gone (its tab lock is free) before it
    // closes. (Tabs closing at the same moment each count on the other: see the README's limits.)
    await waitFor(async () => (await call(tabs[2].page, 'tabs')) === 1, 2_000, 'one tab left');
    await sleep(200);

    const lastClosed = Date.now();
    closed.add(2);
    await tabs[2].page.close();
    await waitFor(() => leaves.length >= 3, 1_000, "the leave of 'c'");
    expect(Date.now() - lastClosed).toBeLessThan(1_000);
    await sleep(500);
    sub.unsubscribe();

    // One leave per channel, each once no open tab held it; none was a timeout.
    expect(leaves).toEqual([
      { channel: 'leave a', heldByOpenTab: false },
      { channel: 'leave b', heldByOpenTab: false },
      { channel: 'leave c', heldByOpenTab: false },
    ]);
    await context.close();
  }, 90_000);

  it.concurrent('a tab with another user id is present and leaves on its own', async () => {
    const w = await setUp();
    const { context, open, beats, events } = await tabsOf(w);
    await open({ user: 'u', channels: ['lobby'], interval: 1 });
    await open({ user: 'u', channels: ['lobby'], interval: 1 });
    const other = await open({ user: 'v', channels: ['lobby'], interval: 1 });
    await waitFor(() => ['u', 'v'].every((user) => events().some((e) => e.action === 'join' && e.uuid === user)), 5_000, 'both joins');
    await waitFor(async () => call(other, 'leader'), 5_000, "v's tab leads v's presence");
    const from = Date.now();
    await sleep(3_000);
    // v heartbeats on its own, u once for both its tabs.
    expect(beats('v').filter((b) => b.at >= from).length).toBeGreaterThanOrEqual(2);
    expect(beats('u').filter((b) => b.at >= from).length).toBeLessThanOrEqual(4);

    const closedAt = Date.now();
    await other.close();
    await waitFor(() => events().some((e) => e.uuid === 'v' && e.action === 'leave'), 1_000, "v's leave");
    expect(Date.now() - closedAt).toBeLessThan(1_000);
    await sleep(500);
    expect(events().map((e) => `${e.action} ${e.uuid}`).sort()).toEqual(['join u', 'join v', 'leave v']);
    await context.close();
  }, 90_000);

  it.concurrent('offline for 5 s: no request is attempted; back online, a heartbeat within 1 s', async () => {
    const w = await setUp();
    const { context, open, beats } = await tabsOf(w);
    // Counted in the page, not from the test's side: Playwright's `request` events reach the test
    // late on a loaded machine, so a heartbeat sent before going offline could look like one sent
    // after. These listeners are added before the page's own, so `offline` is set before
    // rx-presence hears of the switch and cleared before it heartbeats on `online`.
    await context.addInitScript(() => {
      const page = globalThis as unknown as { fetch: (...args: unknown[]) => Promise<unknown>; addEventListener(type: string, listener: () => void): void; network?: PageNetwork };
      const network: PageNetwork = { offline: false, calls: 0, whileOffline: 0 };
      page.network = network;
      page.addEventListener('offline', () => (network.offline = true));
      page.addEventListener('online', () => (network.offline = false));
      const platformFetch = page.fetch;
      page.fetch = (...args) => {
        network.calls++;
        if (network.offline) network.whileOffline++;
        return platformFetch(...args);
      };
    });
    const network = (page: Page) => page.evaluate(() => (globalThis as unknown as { network: PageNetwork }).network);
    const pages = [await open({ channels: ['lobby'], interval: 1 }), await open({ channels: ['lobby'], interval: 1 })];
    await waitFor(() => beats().length >= 2, 5_000, 'heartbeats');

    await context.setOffline(true);
    await sleep(5_000);
    const offline = await Promise.all(pages.map(network));
    const online = Date.now();
    await context.setOffline(false);

    // Every page heard `offline`; the leader's heartbeats went through the counted fetch before.
    expect(offline.map((n) => n.offline)).toEqual([true, true]);
    expect(offline.reduce((sum, n) => sum + n.calls, 0)).toBeGreaterThanOrEqual(1);
    expect(offline.map((n) => n.whileOffline)).toEqual([0, 0]);
    await waitFor(() => beats().some((b) => b.at > online), 1_000, 'a heartbeat after going online');
    expect((await Promise.all(pages.map(network))).map((n) => n.whileOffline)).toEqual([0, 0]);
    await context.close();
  }, 90_000);
  it.concurrent('a crashed leader: the next tab leads, beats within 2 s and leaves what only the dead tab held', async () => {
    const w = await setUp();
    const { key, context, open, beats, events } = await tabsOf(w);
    const leader = await open({ channels: ['a', 'b'], interval: 10 });
    const follower = await open({ channels: ['b', 'c'], interval: 10 });
    await waitFor(() => ['a', 'b', 'c'].every((channel) => events().some((e) => e.action === 'join' && e.channel === channel)), 5_000, 'the joins');
    await waitFor(async () => call(leader, 'leader'), 5_000, 'the first tab leads');

    const crashed = Date.now();
    const gone = leader.waitForEvent('crash');
    const cdp = await context.newCDPSession(leader);
    void cdp.send('Page.crash').catch(() => undefined);
    await gone;

    await waitFor(() => beats().some((b) => b.at > crashed), 2_000, "the new leader's heartbeat");
    expect(beats().find((b) => b.at > crashed)!.channels).toEqual(['b', 'c']);
    expect(await call(follower, 'leader')).toBe(true);
    await waitFor(() => events().some((e) => e.action === 'leave' && e.channel === 'a'), 2_000, "the leave of 'a'");
    await sleep(500);
    expect(events().filter((e) => e.at > crashed).map((e) => `${e.action} ${e.channel}`)).toEqual(['leave a']);
    expect(w.records.some((r) => r.path.includes(key) && r.operation === 'leave' && r.path.includes('/channel/b'))).toBe(false);
    await context.close();
  }, 90_000);

  it.concurrent('three tabs polling the same channel: one here-now per interval, every tab gets it', async () => {
    const w = await setUp();
    const { key, context, open, requests } = await tabsOf(w);
    await ok(w.emulator, `/v2/presence/sub-key/${key}/channel/lobby/heartbeat?uuid=alice&heartbeat=60`);
    const pages = [await open({ poll: 'lobby' }), await open({ poll: 'lobby' }), await open({ poll: 'lobby' })];
    await waitFor(async () => (await Promise.all(pages.map((page) => call(page, 'polls')))).every((polls) => polls.length >= 1), 5_000, 'a poll result in every tab');

    const from = Date.now();
    await sleep(6_500);
    // 6.5 s at 3 s: 2 or 3 polls in all; three tabs on their own would make 6 to 9.
    const polls = requests('hereNow').filter((r) => r.at >= from).length;
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(polls).toBeLessThanOrEqual(3);
    for (const page of pages) expect((await call(page, 'polls')).at(-1)).toEqual(['alice']);
    await context.close();
  }, 90_000);

  it.concurrent('without Web Locks each tab heartbeats on its own, and says so once', async () => {
    const w = await setUp();
    const { context, open, beats } = await tabsOf(w);
    // A browser without the Web Locks API.
    await context.addInitScript(() => {
      delete (Object.getPrototypeOf(globalThis.navigator) as { locks?: unknown }).locks;
    });
    const warnings: string[] = [];
    context.on('console', (message) => (message.type() === 'warning' ? warnings.push(message.text()) : undefined));
    await open({ channels: ['a'], interval: 1 });
    await open({ channels: ['b'], interval: 1 });

    // Each tab's heartbeat carries its own channel; shared, they would carry both.
    await waitFor(() => ['a', 'b'].every((channel) => beats().filter((b) => b.channels.join() === channel).length >= 2), 5_000, "both tabs' own heartbeats");
    expect(beats().filter((b) => b.channels.length > 1)).toEqual([]);
    expect(warnings.filter((text) => text.includes('shareAcrossTabs'))).toEqual([expect.stringContaining('navigator.locks'), expect.stringContaining('navigator.locks')]);
    await context.close();
  }, 90_000);
});
