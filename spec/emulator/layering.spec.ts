/**
 * The emulator's and the protocol's place in the layering, read from the import lines of lib/:
 *
 * - lib/protocol/ is neutral ground: it imports nothing outside itself (no Node built-in, no
 *   package), so the browser client and the Node emulator can both use it;
 * - lib/emulator/ imports no client code: nothing of lib/ outside itself but lib/protocol/;
 * - the CLIs use the library as its users do: lib/cli/ reaches lib/ only through the public entries
 *   (`rx-presence`, `rx-presence/emulator`), and so does the `rx-presence-emulator` binary.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { VERSION } from '../../lib';

const root = join(__dirname, '..', '..');
const lib = join(root, 'lib');

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

/**
 * Every module `file` imports or re-exports: a module of lib/ as its path relative to lib/
 * (`emulator/index`), anything else (`node:http`, `rxjs`) as written.
 */
const importsOf = (file: string): string[] => {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gms), // import … from, export … from
    ...text.matchAll(/^import\s+'([^']+)'/gm), // import for its side effects
    ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g), // import()
  ];
  return specifiers.map(([, specifier]) => (specifier.startsWith('.') ? relative(lib, resolve(dirname(file), specifier)) : specifier));
};

/** `[file, imported]` for every import of every file under `folder` (both relative to lib/). */
const importsUnder = (folder: string): [string, string][] =>
  [...sources(join(lib, folder))].flatMap((file) => importsOf(file).map((imported) => [relative(lib, file), imported] as [string, string]));

/** Whether an import names a module of lib/ (rather than a built-in or a package). */
const ofLib = (imported: string): boolean =>
  !imported.startsWith('node:') && !imported.startsWith('..') && (existsSync(join(lib, `${imported}.ts`)) || existsSync(join(lib, imported, 'index.ts')));

const inside = (imported: string, ...folders: string[]): boolean => folders.some((folder) => imported.startsWith(`${folder}/`));

it('lib/protocol/ imports nothing outside itself: no built-in, no package', () => {
  const imports = importsUnder('protocol');
  expect(imports.length).toBeGreaterThan(0);
  expect(imports.filter(([, imported]) => !inside(imported, 'protocol'))).toEqual([]);
});

it('lib/emulator/ imports no client code: of lib/, only itself and lib/protocol/; of packages, rxjs', () => {
  const imports = importsUnder('emulator');
  expect(imports.filter(([, imported]) => ofLib(imported) && !inside(imported, 'emulator', 'protocol'))).toEqual([]);
  expect(imports.some(([, imported]) => inside(imported, 'protocol'))).toBe(true);
  const packages = new Set(imports.map(([, imported]) => imported).filter((imported) => !ofLib(imported) && !imported.startsWith('node:')));
  expect([...packages]).toEqual(['rxjs']);
});

it('inside the emulator, the layers only look down: model/ sees no request, endpoints/ no HTTP', () => {
  const imports = importsUnder('emulator');
  const types = 'emulator/types';
  // The state (presence, groups, the feed): nothing about requests or answers.
  const model = imports.filter(([file]) => inside(file, 'emulator/model'));
  expect(model.filter(([, imported]) => ofLib(imported) && !inside(imported, 'emulator/model', 'protocol') && imported !== types)).toEqual([]);
  // The endpoints: the model, the request reading and reply bodies of pipeline/, nothing of the HTTP side.
  const endpoints = imports.filter(([file]) => inside(file, 'emulator/endpoints'));
  const readable = ['emulator/pipeline/query', 'emulator/pipeline/responses', 'emulator/pipeline/router', types];
  expect(endpoints.filter(([, imported]) => ofLib(imported) && !inside(imported, 'emulator/endpoints', 'emulator/model', 'protocol') && !readable.includes(imported))).toEqual([]);
  // The pipeline: no HTTP either (the server feeds it; it never sees a socket); faults reads only
  // the reason phrases of `node:http`'s STATUS_CODES.
  const pipeline = imports.filter(([file]) => inside(file, 'emulator/pipeline'));
  expect(pipeline.filter(([, imported]) => ofLib(imported) && !inside(imported, 'emulator/pipeline', 'emulator/endpoints', 'emulator/model', 'protocol') && imported !== types)).toEqual([]);
  expect(pipeline.filter(([file, imported]) => imported === 'node:http' && file !== 'emulator/pipeline/faults.ts')).toEqual([]);
});

it('the CLIs reach lib/ only through the public entries', () => {
  const cli = importsUnder('cli').filter(([, imported]) => ofLib(imported) && !inside(imported, 'cli'));
  expect(cli.length).toBeGreaterThan(0);
  expect(cli.filter(([, imported]) => imported !== 'index' && imported !== 'emulator')).toEqual([]);

  const bin = importsOf(join(lib, 'emulator', 'cli.ts')).filter((imported) => !imported.startsWith('node:'));
  expect(bin).toEqual(['emulator/index']);
});

it('VERSION is the package version', () => {
  expect(VERSION).toBe((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
});
