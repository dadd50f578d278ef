/**
 * What the bench measures: the built package, `dist/cjs` (`npm run build`; `npm ci` builds it
 * too), loaded as users load it, not `lib/` compiled on the fly by the TypeScript loader the bench
 * itself runs under. Issue 16's probe timed a heartbeat call at 101 µs from `lib/` through the
 * loader and 88 µs from `dist/`: a gap that was being charged to the library.
 *
 * The types still come from `lib/`, so a case that no longer matches the API fails the typecheck.
 * A `dist/` older than `lib/` is reported (it would measure yesterday's code), not rebuilt: a
 * build costs some 20 s, too much to pay on every run.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as Main from '../lib/index';
import type * as EmulatorEntry from '../lib/emulator/index';
import type * as EmulatorServerModule from '../lib/emulator/server';
import type * as DiffModule from '../lib/streams/diff-occupancy';
import type * as CodecsModule from '../lib/codecs/bodies';
import type * as DefaultFetchModule from '../lib/transport/default-fetch';
import type * as OperationContextModule from '../lib/operations/context';

const root = join(__dirname, '..');
const dist = join(root, 'dist', 'cjs');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

let checked = false;

/** `require`s `file` of `dist/cjs`, typed as the `lib/` module it was built from. */
function load<T>(file: string): T {
  const path = join(dist, file);
  if (!existsSync(path)) throw new Error(`bench: ${path} is missing; run \`npm run build\` first`);
  if (!checked) {
    checked = true;
    if (newest(join(root, 'lib')) > statSync(join(dist, 'index.js')).mtimeMs) {
      process.stderr.write('[bench] warning: lib/ changed after the last build; these numbers are for dist/ (run `npm run build`)\n');
    }
  }
  return require(path) as T;
}

/** The main entry (`rx-presence`). */
export const pkg = (): typeof Main => load<typeof Main>('index.js');
/** `rx-presence/emulator`. */
export const emulatorPkg = (): typeof EmulatorEntry => load<typeof EmulatorEntry>('emulator/index.js');
/** The emulator's server class (internal; the workers seed its store directly). */
export const emulatorServer = (): typeof EmulatorServerModule => load<typeof EmulatorServerModule>('emulator/server.js');
/** The body codecs (internal), for the client case's hand-written peer. */
export const codecsModule = (): typeof CodecsModule => load<typeof CodecsModule>('codecs/bodies.js');
/** The transport's default abort controller (internal), for the same peer. */
export const defaultFetchModule = (): typeof DefaultFetchModule => load<typeof DefaultFetchModule>('transport/default-fetch.js');
/** The one-shot operations' plumbing (internal), for the client's cost layer by layer (tools/client-cost.ts). */
export const operationContextModule = (): typeof OperationContextModule => load<typeof OperationContextModule>('operations/context.js');
/** The diff (internal module, public function). */
export const diffModule = (): typeof DiffModule => load<typeof DiffModule>('streams/diff-occupancy.js');
