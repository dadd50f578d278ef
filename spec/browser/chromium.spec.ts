/**
 * rx-presence in a real browser (issue 11): headless Chromium loads a page bundled from the
 * package's public entry, served from one origin, talking to the emulator on another. In the page:
 * a here-now, a user kept present by `heartbeat$` (checked at the emulator), `presenceEvents$`
 * showing a second user join and leave, and a typed `PresenceError` for an origin nobody listens
 * on. Nothing else may fail: no page error, no failed request but the deliberate one.
 */
import { createServer } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { startEmulator, type Emulator, type EmulatorPresenceEvent, type EmulatorRequestRecord } from '../../lib/emulator';
import type { PresencePage } from '../fixtures/browser/presence-page';
import { browserSuite, bundlePage, FIXTURES, launchChromium, openPage, servePage, type PageProblems, type ServedPage } from '../helpers/browser';
import { ok, randomKey, waitFor } from '../helpers/emulator';

/** A port that was just free and is closed again: nothing answers there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Calls `presencePage[name](...args)` in the page. */
function call<K extends keyof PresencePage>(page: Page, name: K, ...args: Parameters<PresencePage[K]>): Promise<Awaited<ReturnType<PresencePage[K]>>> {
  return page.evaluate(
    ([fn, params]) => {
      const api = (globalThis as unknown as { presencePage: Record<string, (...a: unknown[]) => unknown> }).presencePage;
      return api[fn](...params);
    },
    [name as string, args as unknown[]] as const,
  ) as Promise<Awaited<ReturnType<PresencePage[K]>>>;
}

browserSuite('in Chromium', () => {
  let chromium: Browser;
  let emulator: Emulator;
  let site: ServedPage;
  let page: Page;
  let problems: PageProblems;
  let unreachableOrigin = '';
  const events: EmulatorPresenceEvent[] = [];
  const records: EmulatorRequestRecord[] = [];

  beforeAll(async () => {
    const [browser, script, started] = await Promise.all([
      launchChromium(),
      bundlePage(`${FIXTURES}/presence-page.ts`),
      startEmulator({ hereNowCacheMs: 0 }),
    ]);
    chromium = browser;
    emulator = started;
    emulator.events$.subscribe((e) => events.push(e));
    emulator.requests$.subscribe((r) => records.push(r));
    site = await servePage(script);
    ({ page, problems } = await openPage(chromium, site.url));
  }, 90_000);

  afterAll(async () => {
    await page?.context().close();
    await chromium?.close();
    await site?.close();
    await emulator?.close();
  });

  it('the page and the emulator are different origins', () => {
    expect(new URL(site.url).origin).not.toBe(new URL(emulator.url).origin);
  });

  it('runs hereNow', async () => {
    const key = randomKey();
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/lobby/heartbeat?uuid=bob&heartbeat=60`);

    expect(await call(page, 'hereNow', emulator.url, key, 'lobby')).toEqual({ occupancy: 1, uuids: ['bob'] });
  });

  it('keeps a user present with heartbeat$, and leaves when it ends', async () => {
    const key = randomKey();
    const beats = () => records.filter((r) => r.operation === 'heartbeat' && r.path.includes(key) && r.status === 200).length;

    const id = await call(page, 'startHeartbeat', emulator.url, key, 'alice', 'lobby');
    await waitFor(() => beats() >= 2, 5_000, 'two heartbeats from the page');
    expect(await ok(emulator, `/v2/presence/sub-key/${key}/channel/lobby?uuid=me`)).toMatchObject({ occupancy: 1, uuids: ['alice'] });

    await call(page, 'stop', id);
    await waitFor(() => events.some((e) => e.subscribeKey === key && e.action === 'leave' && e.uuid === 'alice'), 5_000, "alice's leave");
    expect(events.filter((e) => e.subscribeKey === key).map((e) => `${e.action} ${e.uuid}`)).toEqual(['join alice', 'leave alice']);
  });

  it('shows presenceEvents$ join and leave for a second user', async () => {
    const key = randomKey();
    const id = await call(page, 'watchEvents', emulator.url, key, 'lobby');
    await waitFor(() => emulator.heldSubscribes() > 0, 5_000, "the page's subscribe long-poll");

    await ok(emulator, `/v2/presence/sub-key/${key}/channel/lobby/heartbeat?uuid=carol&heartbeat=60`);
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/lobby/leave?uuid=carol`);
    await waitFor(async () => (await call(page, 'events', id)).length >= 2, 5_000, 'join and leave in the page');

    expect(await call(page, 'events', id)).toEqual(['join carol', 'leave carol']);
    await call(page, 'stop', id);
  });

  it('passes a CORS preflight (a fetch with a custom header) to the emulator', async () => {
    expect(await call(page, 'fetchWithCustomHeader', `${emulator.url}/time/0`)).toBe(200);
    expect(records.some((r) => r.method === 'OPTIONS' && r.status === 204)).toBe(true);
  });

  it('reports a typed PresenceError for an unreachable origin', async () => {
    unreachableOrigin = `http://127.0.0.1:${await closedPort()}`;

    expect(await call(page, 'unreachable', unreachableOrigin)).toEqual({ isPresenceError: true, name: 'PresenceError', category: 'network', operation: 'whereNow' });
    expect(problems.failedRequests.filter((f) => f.url.startsWith(unreachableOrigin)).map((f) => f.error)).toEqual(['net::ERR_CONNECTION_REFUSED']);
  });

  it('had no page error and no failed request but the deliberate one', () => {
    expect(problems.pageErrors).toEqual([]);
    expect(problems.errorResponses).toEqual([]);
    // Cancelling is not failing: an unsubscribed long-poll or heartbeat is aborted on purpose.
    const failed = problems.failedRequests.filter((f) => f.error !== 'net::ERR_ABORTED');
    expect(failed.map((f) => new URL(f.url).origin)).toEqual([unreachableOrigin]);
    const aborted = problems.failedRequests.filter((f) => f.error === 'net::ERR_ABORTED').map((f) => new URL(f.url).pathname.split('/')[2]);
    expect(aborted.every((kind) => kind === 'subscribe' || kind === 'presence')).toBe(true);
    expect(problems.consoleErrors.filter((text) => !text.includes('ERR_CONNECTION_REFUSED'))).toEqual([]);
  });
});
