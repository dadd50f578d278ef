// `npm run build` (and `prepare`, so `npm ci` builds too): the package in two module formats.
//
//   dist/cjs  CommonJS, every file of lib/ (the CLIs run from here), for `require`.
//   dist/esm  ES modules, the public entries and what they import, for `import` and bundlers:
//             per-file modules, so that a bundler with `sideEffects: false` drops whole files a
//             page does not use.
//
// Both carry type declarations and source maps with the sources inlined (lib/ is not shipped).
// tsc writes ESM specifiers as they are in the source (`./presence`), which bundlers accept but
// Node's ESM loader does not; the last step gives each relative specifier its file (`.js` or
// `/index.js`), checking that the file exists, in both the `.js` and the `.d.ts` files.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Built beside dist/ and swapped in at the end, so that a reader of dist/ (a spec, the bench)
// never sees it half written.
const dist = join(root, `dist.building-${process.pid}`);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(dist, { recursive: true, force: true });
// The two compilations side by side: each is one CPU-bound process, and `npm ci` waits for them.
// Both only emit (`--noCheck`: the same output, checked with `diff -r`, in half the time): the
// type check is `npm run typecheck`, which covers lib/ with the specs and examples, runs in every
// `npm test`, and gates publishing (`prepublishOnly`).
const compile = (project, format, ...flags) =>
  new Promise((done, fail) =>
    spawn(process.execPath, [tsc, '-p', project, '--outDir', join(dist, format), ...flags], { cwd: root, stdio: 'inherit' })
      .on('error', fail)
      .on('close', (code) => (code === 0 ? done() : fail(new Error(`build: tsc -p ${project} exited with ${code}`)))),
  );
await Promise.all([compile('tsconfig.build.json', 'cjs', '--noCheck'), compile('tsconfig.build.esm.json', 'esm', '--noCheck')]);
// The root package.json has no "type", so .js is CommonJS unless a nearer package.json says not.
writeFileSync(join(dist, 'cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
writeFileSync(join(dist, 'esm', 'package.json'), `${JSON.stringify({ type: 'module', sideEffects: false })}\n`);

// `from './x'`, `import './x'`, `import('./x')` (also `import("./x").T` in declarations).
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?\/[^'"]*)\2/g;

function withFile(file, specifier) {
  if (/\.(c|m)?js$|\.json$/.test(specifier)) return specifier;
  const target = resolve(dirname(file), specifier);
  if (existsSync(`${target}.js`)) return `${specifier}.js`;
  if (existsSync(join(target, 'index.js'))) return `${specifier}/index.js`;
  throw new Error(`build: ${relative(root, file)} imports ${specifier}, which is no file of the ESM build`);
}

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (/\.(js|d\.ts)$/.test(entry.name)) yield path;
  }
}

let rewritten = 0;
for (const file of files(join(dist, 'esm'))) {
  const source = readFileSync(file, 'utf8');
  const fixed = source.replace(SPECIFIER, (_match, lead, quote, specifier) => `${lead}${quote}${withFile(file, specifier)}${quote}`);
  if (fixed !== source) {
    writeFileSync(file, fixed);
    rewritten++;
  }
}
rmSync(join(root, 'dist'), { recursive: true, force: true });
renameSync(dist, join(root, 'dist'));
console.log(`build: dist/cjs and dist/esm written (${rewritten} ESM files given explicit specifiers)`);
