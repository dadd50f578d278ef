/**
 * `leaveOnPageHide` in Chromium (issue 12, point 1): a page holding a user present is closed, or
 * navigates to another site: the user is gone from here-now within 1 s, by a `leave` (the
 * presence timeout is 30 s, so nothing else could remove it). A page restored from the
 * back/forward cache is present again within 1 s. Asserted through the emulator's `events$`.
 */
import type { Browser, Page } from 'playwright-core';
import { startEmulator, type Emulator, type EmulatorPresenceEvent } from '../../lib/emulator';
import { browserSuite, bundlePage, FIXTURES, launchChromium, openPage, servePage, type ServedPage } from '../helpers/browser';
import { ok, randomKey, waitFor } from '../helpers/emulator';

interface World {
  readonly chromium: Browser;
  readonly emulator: Emulator;
  /** The app (cacheable, so that it can enter the back/forward cache). */
  readonly site: ServedPage;
  /** Another site to navigate to. */
  readonly elsewhere: ServedPage;
  /** Every presence event, with when it arrived. */
  readonly events: Array<EmulatorPresenceEvent & { readonly at: number }>;
}

let world: Promise<World> | undefined;
/**
 * One browser and one emulator for the whole file; each test on its own subscribe key. The tests
 * take turns (not `it.concurrent`): each times a leave against a 1 s bound, and three navigations
 * at once in one Chromium, on a 2-core machine that also runs the other spec workers, once took
 * that leave to 1,054 ms.
 */
const setUp = (): Promise<World> =>
  (world ??= (async () => {
    const [chromium, script, other, emulator] = await Promise.all([
      launchChromium({ backForwardCache: true }),
      bundlePage(`${FIXTURES}/tab-page.ts`),
      bundlePage(`${FIXTURES}/elsewhere-page.ts`),
      startEmulator({ hereNowCacheMs: 0 }),
    ]);
    const events: World['events'] = [];
    emulator.events$.subscribe((event) => events.push({ ...event, at: Date.now() }));
    const [site, elsewhere] = await Promise.all([servePage(script, 'app', { cacheable: true }), servePage(other, 'elsewhere', { cacheable: true })]);
    return { chromium, emulator, site, elsewhere, events };
  })());

afterAll(async () => {
  if (world === undefined) return;
  const { chromium, emulator, site, elsewhere } = await world;
  await chromium.close();
  await Promise.all([site.close(), elsewhere.close(), emulator.close()]);
});

/** Opens the app for `user` on `key`, present on 'lobby' with leaveOnPageHide, and waits for the join. */
async function presentPage({ chromium, emulator, site, events }: World, key: string, user: string): Promise<Page> {
  const query = new URLSearchParams({ origin: emulator.url, key, user, channels: 'lobby', interval: '1', timeout: '30', leave: '' });
  const { page } = await openPage(chromium, `${site.url}?${query}`);
  await waitFor(() => events.some((e) => e.subscribeKey === key && e.action === 'join' && e.uuid === user), 5_000, `${user}'s join`);
  return page;
}

/** Waits for `user`'s leave on `key` after `since`; returns how long after `since` it came. */
async function leaveAfter({ events }: World, key: string, user: string, since: number): Promise<number> {
  const left = () => events.find((e) => e.subscribeKey === key && e.uuid === user && e.at >= since && (e.action === 'leave' || e.action === 'timeout'));
  await waitFor(() => left() !== undefined, 5_000, `${user} gone`);
  const event = left()!;
  expect(event.action).toBe('leave');
  return event.at - since;
}

const occupants = async (emulator: Emulator, key: string) =>
  ((await ok(emulator, `/v2/presence/sub-key/${key}/channel/lobby?uuid=watcher`)) as { uuids: string[] }).uuids;

browserSuite('leaveOnPageHide in Chromium', () => {
  it('a closed page leaves within 1 s', async () => {
    const w = await setUp();
    const key = randomKey();
    const page = await presentPage(w, key, 'closer');

    const closed = Date.now();
    await page.close();

    expect(await leaveAfter(w, key, 'closer', closed)).toBeLessThan(1_000);
    expect(await occupants(w.emulator, key)).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('a page navigating to another site leaves within 1 s', async () => {
    const w = await setUp();
    const key = randomKey();
    const page = await presentPage(w, key, 'navigator');

    const away = Date.now();
    await page.goto(w.elsewhere.url);

    expect(await leaveAfter(w, key, 'navigator', away)).toBeLessThan(1_000);
    expect(await occupants(w.emulator, key)).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('a page restored from the back/forward cache is present again within 1 s', async () => {
    const w = await setUp();
    const key = randomKey();
    const page = await presentPage(w, key, 'returner');
    const away = Date.now();
    await page.goto(w.elsewhere.url);
    const leftAt = away + (await leaveAfter(w, key, 'returner', away));

    await page.goBack({ waitUntil: 'commit' });
    const back = Date.now();

    // Restored, not reloaded: the same page instance sees a `pageshow` with `persisted` (a restored
    // page fires no `load`, hence waiting for the commit only).
    await page.waitForFunction(() => (globalThis as unknown as { tabPage: { restored(): number } }).tabPage.restored() === 1, undefined, { timeout: 5_000 });
    const rejoin = () => w.events.find((e) => e.subscribeKey === key && e.uuid === 'returner' && e.action === 'join' && e.at > leftAt);
    await waitFor(() => rejoin() !== undefined, 5_000, 'the join after restoring');
    const join = rejoin()!;
    expect(join.at - back).toBeLessThan(1_000);
    expect(await occupants(w.emulator, key)).toEqual(['returner']);
    await page.context().close();
  }, 60_000);
});
