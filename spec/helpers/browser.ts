/**
 * Real-browser specs: headless Chromium (Debian's `chromium` package, never a downloaded build)
 * driven by playwright-core, a page bundled with esbuild from the package's public entry as an
 * app would bundle it, served from one origin while the emulator is another (cross-origin, as in
 * real apps).
 *
 *   browserSuite('…', () => {
 *     let chromium: Browser;
 *     beforeAll(async () => { chromium = await launchChromium(); });
 *     afterAll(() => chromium.close());
 *     it('…', async () => {
 *       const site = await servePage(await bundlePage('spec/fixtures/browser/presence-page.ts'));
 *       const { page, problems } = await openPage(chromium, site.url);
 *       …
 *     });
 *   });
 *
 * Without Chromium a suite is skipped with a message saying how to get it, except under CI=true,
 * where it fails: CI must run it (.ci/run installs the package).
 */
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium as playwright, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureBuilt, ROOT } from './package';

/** Where Debian's `chromium` package puts the browser; `CHROMIUM_PATH` overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a quiet, hermetic headless run: no sandbox (CI runs as root), no GPU, no calls home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const chromiumAvailable = (): boolean => existsSync(CHROMIUM_PATH);

/**
 * `describe` for a suite that needs Chromium: skipped with a clear message when it is missing
 * locally, a failing test when it is missing under CI=true.
 */
export function browserSuite(name: string, body: () => void): void {
  if (chromiumAvailable()) {
    describe(name, body);
    return;
  }
  const how = `no Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs Chromium (CI must run the browser specs)', () => {
        throw new Error(how);
      });
    });
    return;
  }
  process.stderr.write(`[browser specs] skipping "${name}": ${how}\n`);
  describe.skip(name, body);
}

/**
 * Chromium with a fresh profile (playwright makes a temporary user-data-dir per launch).
 * `backForwardCache` keeps the cache on (playwright turns it off by default).
 */
export function launchChromium(options: { readonly backForwardCache?: boolean } = {}): Promise<Browser> {
  return playwright.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    ...(options.backForwardCache ? { ignoreDefaultArgs: ['--disable-back-forward-cache'] } : {}),
  });
}

/**
 * Bundles a page script the way an app's bundler would: `rx-presence` resolves through the
 * package's `exports` and `browser` field to the built ESM (rebuilt first if lib/ changed), for the
 * browser platform. Fails on any esbuild warning. `file` is relative to the repository root.
 */
export async function bundlePage(file: string): Promise<string> {
  await ensureBuilt();
  const result = await build({
    entryPoints: [file],
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    // Not the repository's tsconfig: its `paths` would point `rx-presence` at the sources.
    tsconfigRaw: '{}',
    logLevel: 'silent',
  });
  if (result.warnings.length > 0) throw new Error(`bundlePage: esbuild warned: ${result.warnings.map((w) => w.text).join('; ')}`);
  return result.outputFiles[0].text;
}

/** A page served from its own origin on 127.0.0.1: `/` is the HTML, `/page.js` the bundle. */
export interface ServedPage {
  readonly url: string;
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * Serves `script` as a page. `cacheable` sends `Cache-Control: no-cache` instead of `no-store`:
 * a `no-store` page never enters the back/forward cache.
 */
export async function servePage(script: string, title = 'rx-presence browser spec', options: { readonly cacheable?: boolean } = {}): Promise<ServedPage> {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,"><script type="module" src="/page.js"></script></head><body></body></html>`;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const [type, body] =
      path === '/' ? ['text/html; charset=utf-8', html]
      : req.url === '/page.js' ? ['text/javascript; charset=utf-8', script]
      : [undefined, undefined];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': type, 'Cache-Control': options.cacheable ? 'no-cache' : 'no-store' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/`,
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What went wrong in a page: uncaught errors, console errors and requests that failed. */
export interface PageProblems {
  readonly pageErrors: string[];
  readonly consoleErrors: string[];
  /** `url → error text`, e.g. `net::ERR_CONNECTION_REFUSED`, or `net::ERR_ABORTED` for a cancelled fetch. */
  readonly failedRequests: Array<{ url: string; error: string }>;
  /** Answers with a status of 400 or more. */
  readonly errorResponses: Array<{ url: string; status: number }>;
}

/** Opens `url` in a new page (new context, so nothing is shared between specs) and waits for the page script to load. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; problems: PageProblems }> {
  return openTab(await browser.newContext(), url);
}

/** Opens `url` in a new tab of `context` (tabs of one context share an origin's locks and channels). */
export async function openTab(context: BrowserContext, url: string): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage();
  const problems: PageProblems = { pageErrors: [], consoleErrors: [], failedRequests: [], errorResponses: [] };
  page.on('response', (response) => (response.status() >= 400 ? problems.errorResponses.push({ url: response.url(), status: response.status() }) : undefined));
  page.on('pageerror', (error) => problems.pageErrors.push(error.stack ?? error.message));
  page.on('console', (message) => (message.type() === 'error' ? problems.consoleErrors.push(message.text()) : undefined));
  page.on('requestfailed', (request) => problems.failedRequests.push({ url: request.url(), error: request.failure()?.errorText ?? 'unknown' }));
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as { pageReady?: boolean }).pageReady === true);
  return { page, problems };
}

/** The fixture pages live here. */
export const FIXTURES = join('spec', 'fixtures', 'browser');
