/**
 * The dependency rules of ARCHITECTURE.md, checked on the import statements of lib/**\/*.ts: a
 * rule broken here is a layer leaking into another, which no other spec would notice until a
 * bundle grows or a change has to touch two layers at once.
 */
import { builtinModules } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = join(__dirname, '..');
const lib = join(root, 'lib');

/** One import (or re-export, `import()`, `require()`) of a file. */
interface Import {
  /** The file that imports, relative to the repository (`lib/streams/x.ts`). */
  readonly from: string;
  /** As written. */
  readonly specifier: string;
  /** The file it resolves to, relative to the repository, for a relative specifier. */
  readonly file?: string;
  /** `import type` / `export type`: erased at run time. */
  readonly typeOnly: boolean;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** The code without comments, so that examples in TSDoc do not count as imports. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/[^\n]*/g, '$1');
}

function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(root, candidate);
  }
  return undefined;
}

const STATEMENT = /\b(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(path: string): Import[] {
  const from = relative(root, path);
  const found: Import[] = [];
  for (const match of withoutComments(readFileSync(path, 'utf8')).matchAll(STATEMENT)) {
    const specifier = match[3] ?? match[4] ?? match[5];
    const typeOnly = match[2] !== undefined;
    const file = specifier.startsWith('.') ? resolveRelative(path, specifier) : undefined;
    found.push({ from, specifier, typeOnly, ...(file === undefined ? {} : { file }) });
  }
  return found;
}

const all = filesUnder(lib).flatMap(importsOf);
const under = (folder: string) => (file: string | undefined) => file !== undefined && file.startsWith(`lib/${folder}/`);
const describeImport = (i: Import) => `${i.from} → ${i.file ?? i.specifier}`;

it('finds the imports it checks (a broken parser would pass every rule)', () => {
  expect(all.length).toBeGreaterThan(300);
  expect(all).toContainEqual({ from: 'lib/operations/leave.ts', specifier: './context', file: 'lib/operations/context.ts', typeOnly: false });
  expect(all).toContainEqual({ from: 'lib/streams/heartbeat-stream.ts', specifier: '../presence-context', file: 'lib/presence-context.ts', typeOnly: true });
  expect(all.filter((i) => i.specifier.startsWith('.') && i.file === undefined).map(describeImport)).toEqual([]);
});

it('operations/ never imports streams/ or the composition above it', () => {
  const upward = all.filter((i) => i.from.startsWith('lib/operations/') && (under('streams')(i.file) || i.file === 'lib/presence.ts' || i.file === 'lib/presence-context.ts'));
  expect(upward.map(describeImport)).toEqual([]);
});

it('streams/ never reaches the transport: no fetch, signing or redaction, only encoding (protocol)', () => {
  const allowed = new Set(['lib/transport/encoding.ts']);
  const reaching = all.filter((i) => i.from.startsWith('lib/streams/') && under('transport')(i.file) && !allowed.has(i.file!));
  expect(reaching.map(describeImport)).toEqual([]);
});

it('only transport/ touches fetch (cross-fetch, node-fetch or the global fetch)', () => {
  const fetchers = new Set(['cross-fetch', 'node-fetch', 'undici']);
  const importing = all.filter((i) => !i.from.startsWith('lib/transport/') && fetchers.has(i.specifier));
  expect(importing.map(describeImport)).toEqual([]);
  const calling = filesUnder(lib)
    .filter((path) => !relative(root, path).startsWith('lib/transport/'))
    .filter((path) => /(?<![\w$.])fetch\s*\(|globalThis\.fetch\b/.test(withoutComments(readFileSync(path, 'utf8'))))
    .map((path) => relative(root, path));
  expect(calling).toEqual([]);
});

it('codecs/ are pure: io-ts and the error types, no rxjs, no transport, no operations or streams', () => {
  const impure = all.filter(
    (i) =>
      i.from.startsWith('lib/codecs/') &&
      (i.specifier === 'rxjs' || i.specifier.startsWith('rxjs/') || ['transport', 'operations', 'streams', 'emulator', 'cli'].some((folder) => under(folder)(i.file))),
  );
  expect(impure.map(describeImport)).toEqual([]);
});

it('the main entry (lib/index.ts) reaches no Node built-in, however deep', () => {
  const builtins = new Set(builtinModules);
  const seen = new Set<string>();
  const offenders: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of importsOf(join(root, file))) {
      // Erased at run time: a type from a Node-only module costs a page nothing.
      if (i.typeOnly) continue;
      if (i.file !== undefined) visit(i.file);
      else if (i.specifier.startsWith('node:') || builtins.has(i.specifier)) offenders.push(describeImport(i));
    }
  };
  visit('lib/index.ts');
  expect(seen.size).toBeGreaterThan(30);
  expect(offenders).toEqual([]);
});

/** The emulator and the client share protocol knowledge through `lib/protocol/` only. */
it('emulator/ imports of client code are only lib/protocol/', () => {
  const offenders = [
    ...new Set(all.filter((i) => i.from.startsWith('lib/emulator/') && i.file?.startsWith('lib/') && !under('emulator')(i.file) && !under('protocol')(i.file)).map(describeImport)),
  ].sort();
  expect(offenders).toEqual([]);
});
