/**
 * Case 7 (issue 11): what rx-presence costs a browser page. esbuild bundles three pages from the
 * *built* package (`dist/esm`, resolved through `exports` and the `browser` field as an app's
 * bundler does) as ESM, minified, for the browser: (a) `hereNow` only, (b) `heartbeat$` +
 * `presenceEvents$`, (c) everything the main entry exports. Each is shown beside the official SDK's
 * browser build (`pubnub/dist/web/pubnub.min.js`, all of PubNub, not only presence) and beside its
 * floor: a page that imports the same rxjs operators and io-ts codecs directly, which is what any
 * presence library on this stack must carry. The esbuild metafile says what each dependency
 * contributes (the row's note). Sizes are in KB of 1,000 bytes, as issue 11 gives them; gzip is level 9.
 *
 * Bundling must produce no warning (a Node built-in would be one), and no bundled file may import
 * `node:` modules: either fails the case.
 */
import { build, type Metafile } from 'esbuild';
import * as ioTsRuntime from 'io-ts';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { row, type BenchContext, type Row } from '../harness';

const root = join(__dirname, '..', '..');
/**
 * (a) and (b) call the free functions on a `presenceContext`, so a bundler keeps only what they
 * use; their `Presence`-class twins show what the class costs (all its methods, so every stream).
 * Floors are given for the pages whose imports differ.
 */
const PAGES = [
  { key: '(a)', file: 'a-here-now.ts', what: 'hereNow only', floor: true, minified: true },
  { key: '(a)', file: 'a-here-now-class.ts', what: 'hereNow only, through the Presence class', floor: false, minified: false },
  { key: '(b)', file: 'b-heartbeat-events.ts', what: 'heartbeat$ + presenceEvents$', floor: true, minified: true },
  { key: '(b)', file: 'b-heartbeat-events-class.ts', what: 'heartbeat$ + presenceEvents$, through the Presence class', floor: false, minified: false },
  { key: '(c)', file: 'c-everything.ts', what: 'everything the main entry exports', floor: true, minified: true },
] as const;
/** Issue 11's goal for page (b): 25 KB gzip (KB as the issue counts them, 1,000 bytes), under half the official SDK's. */
export const PAGE_B_BUDGET_BYTES = 25_000;
const SDK_BUILD = join(root, 'node_modules', 'pubnub', 'dist', 'web', 'pubnub.min.js');

/** What one bundle weighs, and who contributed what (minified bytes in the output). */
export interface BundleSize {
  readonly minified: number;
  readonly gzip: number;
  readonly byPackage: Readonly<Record<string, number>>;
  readonly metafile: Metafile;
}

const packageOf = (input: string): string => {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return input.startsWith('dist/') ? 'rx-presence' : 'page';
  const [scope, name] = input.slice(at + 'node_modules/'.length).split('/');
  return scope.startsWith('@') ? `${scope}/${name}` : scope;
};

/** Bundles like an app's bundler would (ESM, minified, browser); throws on any warning. */
export async function bundle(entry: { file: string } | { contents: string }): Promise<BundleSize> {
  const result = await build({
    ...('file' in entry ? { entryPoints: [entry.file] } : { stdin: { contents: entry.contents, resolveDir: root, loader: 'ts', sourcefile: 'floor.ts' } }),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    // Not the repository's tsconfig: its `paths` would point `rx-presence` at lib/ sources. So the
    // name resolves as an app's would, through package.json (`exports`, `browser`) to dist/esm.
    tsconfigRaw: '{}',
    logLevel: 'silent',
    absWorkingDir: root,
  });
  if (result.warnings.length > 0) throw new Error(`bundle-size: esbuild warned: ${result.warnings.map((w) => w.text).join('; ')}`);
  const code = result.outputFiles[0].contents;
  const output = Object.values(result.metafile.outputs)[0];
  const byPackage: Record<string, number> = {};
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageOf(input);
    byPackage[name] = (byPackage[name] ?? 0) + bytesInOutput;
    if (input.startsWith('dist/') && /\bfrom\s*["']node:|import\(["']node:|require\(["']node:/.test(readFileSync(join(root, input), 'utf8'))) {
      throw new Error(`bundle-size: ${input} imports a Node built-in`);
    }
  }
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length, byPackage, metafile: result.metafile };
}

/**
 * The floor of a page: the rxjs exports and io-ts members that the rx-presence files in its bundle
 * use, imported and kept directly, with nothing of ours around them.
 */
export function floorPage(metafile: Metafile): string {
  const rxjs = new Set<string>();
  const ioTs = new Set<string>();
  // Files that made it into the output: esbuild also lists those it parsed and then dropped whole.
  const kept = Object.entries(Object.values(metafile.outputs)[0].inputs).filter(([, { bytesInOutput }]) => bytesInOutput > 0);
  for (const [input] of kept) {
    if (!input.startsWith('dist/')) continue;
    const source = readFileSync(join(root, input), 'utf8');
    for (const [, names] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"]rxjs['"]/g)) {
      for (const name of names.split(',')) {
        const imported = name.trim().split(/\s+as\s+/)[0];
        if (imported !== '' && !imported.startsWith('type ')) rxjs.add(imported);
      }
    }
    for (const [, alias] of source.matchAll(/import\s*\*\s*as\s*(\w+)\s*from\s*['"]io-ts['"]/g)) {
      // Comments mention types too (`t.TypeOf`): only run-time members count.
      for (const [, member] of source.matchAll(new RegExp(`\\b${alias}\\.(\\w+)`, 'g'))) if (member in ioTsRuntime) ioTs.add(member);
    }
  }
  const rx = [...rxjs].sort();
  const io = [...ioTs].sort();
  return [
    `import { ${rx.join(', ')} } from 'rxjs';`,
    `import * as t from 'io-ts';`,
    `(globalThis as any).keep = [${[...rx, ...io.map((m) => `t.${m}`)].join(', ')}];`,
  ].join('\n');
}

/** Whether dist/ predates a source file: then the numbers describe an old build. */
function staleBuild(): boolean {
  const built = statSync(join(root, 'dist', 'esm', 'index.js')).mtimeMs;
  const newest = (dir: string): number =>
    Math.max(...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  return newest(join(root, 'lib')) > built;
}

const kb = (bytes: number): number => Math.round(bytes / 100) / 10;
const describe = (byPackage: Readonly<Record<string, number>>): string =>
  Object.entries(byPackage)
    .filter(([name]) => name !== 'page')
    .sort((a, b) => b[1] - a[1])
    .map(([name, bytes]) => `${name} ${kb(bytes)}`)
    .join(', ');

export async function runBundleSize(ctx: BenchContext): Promise<Row[]> {
  if (!existsSync(join(root, 'dist', 'esm', 'index.js'))) {
    ctx.log('bundle-size: no dist/esm yet, building the package (npm run build)…');
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  } else if (staleBuild()) {
    ctx.log('bundle-size: warning: dist/ is older than lib/; run `npm run build` for current numbers');
  }
  const sdkCode = readFileSync(SDK_BUILD);
  const sdk = { minified: sdkCode.length, gzip: gzipSync(sdkCode, { level: 9 }).length };
  const peer = `official SDK (${relative(root, SDK_BUILD).replace(/^node_modules\//, '')})`;
  const rows: Row[] = [];
  for (const page of PAGES) {
    ctx.log(`bundle-size: page ${page.key} ${page.what}`);
    const ours = await bundle({ file: join('bench', 'pages', page.file) });
    const budget = page.file === 'b-heartbeat-events.ts';
    const common = { case: 'bundle-size' as const, peer, unit: 'KB' };
    if (page.minified) {
      rows.push(row({ ...common, variant: `${page.key} ${page.what}, minified`, samples: [kb(ours.minified)], peerMedian: kb(sdk.minified), goal: 'informs' }));
    }
    rows.push(
      row({
        ...common,
        variant: `${page.key} ${page.what}, gzip`,
        samples: [kb(ours.gzip)],
        peerMedian: kb(sdk.gzip),
        goal: budget ? '≤ 25 KB' : 'informs',
        ...(budget ? { check: () => ours.gzip <= PAGE_B_BUDGET_BYTES } : {}),
        note: `${kb(ours.minified)} KB minified; minified KB by package: ${describe(ours.byPackage)}`,
      }),
    );
    if (!page.floor) continue;
    const floor = await bundle({ contents: floorPage(ours.metafile) });
    rows.push(
      row({ ...common, variant: `${page.key} floor (same rxjs operators + io-ts codecs), minified`, samples: [kb(floor.minified)], peerMedian: kb(sdk.minified), goal: 'informs' }),
      row({
        ...common,
        variant: `${page.key} floor (same rxjs operators + io-ts codecs), gzip`,
        samples: [kb(floor.gzip)],
        peerMedian: kb(sdk.gzip),
        goal: 'informs',
        note: `minified KB by package: ${describe(floor.byPackage)}`,
      }),
    );
  }
  return rows;
}
