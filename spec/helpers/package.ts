/**
 * The built package (`dist/`), for specs that test rx-presence as users get it: the browser specs
 * bundle it, the consumer spec packs it. `npm ci` builds it (the `prepare` script); after an edit
 * under lib/ the first spec that needs it rebuilds it, once, whichever jest worker gets there first.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
const LOCK = join(ROOT, 'dist.lock');

const newest = (dir: string): number =>
  Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));

const builtAt = (): number => {
  const marker = join(ROOT, 'dist', 'esm', 'index.js');
  return existsSync(marker) ? statSync(marker).mtimeMs : 0;
};

/** Whether dist/ is missing or older than a file under lib/ or the build's own configuration. */
export function buildIsStale(): boolean {
  const inputs = Math.max(newest(join(ROOT, 'lib')), ...['package.json', 'tsconfig.build.json', 'tsconfig.build.esm.json', join('scripts', 'build.mjs')].map((f) => statSync(join(ROOT, f)).mtimeMs));
  return builtAt() < inputs;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Makes sure dist/ is current: builds it (`npm run build`) when stale, one worker at a time. */
export async function ensureBuilt(): Promise<void> {
  for (;;) {
    if (!buildIsStale()) return;
    try {
      mkdirSync(LOCK);
    } catch {
      // Another worker is building; a lock older than any build is left by a killed one.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 180_000) rmdirSync(LOCK);
      await sleep(200);
      continue;
    }
    try {
      if (buildIsStale()) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'ignore' });
    } finally {
      rmdirSync(LOCK);
    }
  }
}
