/**
 * The package as users install it (issue 11): `npm pack`, the tarball unpacked into a fresh
 * project whose node_modules holds exactly its dependencies and peer (linked from ours, so no
 * network), then what users do with it: type-check a program importing every entry under
 * moduleResolution node10, node16, nodenext and bundler (CommonJS and ESM files); the main entry
 * again with `"types": []` and `skipLibCheck: false` (no @types/node, clean declarations: ours and
 * our dependencies'; TypeScript's own lib files are not re-checked); an `.mjs`
 * with named imports and a `.cjs` with `require`, both run by Node; and a jest test with ts-jest's
 * default config that keeps a user present and exits without jest's "did not exit" warning.
 * One pack and one install serve every case.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as ts from 'typescript';
import { ensureBuilt, ROOT } from '../helpers/package';

const FIXTURES = join(ROOT, 'spec', 'fixtures', 'consumer');
let project: string;
/** Started in beforeAll, so they run on the other core while this one type-checks. */
let nodeRuns: Promise<Array<Awaited<ReturnType<typeof run>>>>;
let jestRun: ReturnType<typeof run>;
let packed: { name: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string>; files?: string[] };

/** Runs `node args…` in the project; resolves with what it printed, however it ended. */
function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  // Our own jest's variables must not leak into the consumer's jest.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('JEST_')));
  return new Promise((resolve) => {
    // Our own 60 s limit rather than execFile's `timeout`: the type checks below block this
    // process's event loop, on a loaded machine for longer than that, and execFile's late timer
    // would then fire before the child's exit is seen, and discard the output it had already
    // written. A kill sent to a child that has exited does nothing, and its output is kept.
    const child = execFile(process.execPath, [file, ...args], { cwd: project, env: { ...clean, ...env } }, (error, stdout, stderr) => {
      clearTimeout(limit);
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr, ms: Date.now() - started });
    });
    const limit = setTimeout(() => child.kill(), 60_000);
  });
}

const link = (name: string) => {
  const target = join(project, 'node_modules', name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules', name), target, 'dir');
};

beforeAll(async () => {
  await ensureBuilt();
  project = mkdtempSync(join(tmpdir(), 'rx-presence-consumer-'));
  // The build is current (ensureBuilt), so pack without running `prepare` again.
  const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', project], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
  mkdirSync(join(project, 'node_modules'));
  execFileSync('tar', ['-xzf', join(project, tarball), '-C', join(project, 'node_modules')]);
  renameSync(join(project, 'node_modules', 'package'), join(project, 'node_modules', 'rx-presence'));
  packed = JSON.parse(readFileSync(join(project, 'node_modules', 'rx-presence', 'package.json'), 'utf8'));
  // What npm would install for it: its dependencies and its peer, nothing else of ours.
  for (const name of Object.keys({ ...packed.dependencies, ...packed.peerDependencies })) link(name);
  // The consumer's own tools.
  for (const name of ['typescript', 'jest', 'ts-jest', '@types/jest', '@types/node']) link(name);
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2)}\n`);
  for (const file of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, file), join(project, file));
  copyFileSync(join(project, 'all-entries.ts'), join(project, 'all-entries.mts'));
  copyFileSync(join(project, 'main-entry.ts'), join(project, 'main-entry.mts'));
  nodeRuns = Promise.all([run('esm.mjs', []), run('cjs.cjs', [])]);
  // What `npx ts-jest config:init` writes.
  writeFileSync(join(project, 'jest.config.js'), "module.exports = { testEnvironment: 'node', transform: { '^.+\\\\.tsx?$': ['ts-jest', {}] } };\n");
  jestRun = run(join(project, 'node_modules', 'jest', 'bin', 'jest.js'), ['--ci', '--no-cache', '--testMatch', '**/presence.test.ts'], { CI: 'true' });
}, 120_000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

it('ships what it says: LICENSE, both builds, source maps carrying their sources, rxjs as a peer', () => {
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
  const installed = join(project, 'node_modules', 'rx-presence');
  const all = files(installed).map((f) => f.slice(installed.length + 1));
  expect(all).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/cjs/index.js', 'dist/esm/index.js', 'dist/cjs/index.d.ts', 'dist/esm/index.d.ts']));
  expect(all).toEqual(expect.arrayContaining(['dist/cjs/browser/index.js', 'dist/esm/browser/index.js', 'dist/cjs/browser/index.d.ts', 'dist/esm/browser/index.d.ts']));
  expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License[\s\S]*rx-presence contributors/);
  expect(all.some((f) => f.startsWith('lib/'))).toBe(false);
  for (const map of all.filter((f) => f.endsWith('.map'))) {
    const { sources, sourcesContent } = JSON.parse(readFileSync(join(installed, map), 'utf8')) as { sources: string[]; sourcesContent?: unknown[] };
    expect({ map, inlined: sourcesContent?.length === sources.length && sourcesContent.every((s) => typeof s === 'string') }).toEqual({ map, inlined: true });
  }
  expect(packed.peerDependencies).toEqual({ rxjs: '^7.8' });
  expect(Object.keys(packed.dependencies ?? {})).not.toContain('rxjs');
});

// ---- type checking, in process (one compiler, one parse of each declaration file)

const parsed = new Map<string, ts.SourceFile>();
const host = (options: ts.CompilerOptions): ts.CompilerHost => {
  const base = ts.createCompilerHost(options);
  return {
    ...base,
    getSourceFile: (fileName, languageVersion, onError) => {
      const key = `${fileName}\0${JSON.stringify(languageVersion)}`;
      let file = parsed.get(key);
      if (file === undefined) {
        file = base.getSourceFile(fileName, languageVersion, onError);
        if (file !== undefined && fileName.includes('node_modules')) parsed.set(key, file);
      }
      return file;
    },
  };
};

function typeErrors(files: readonly string[], options: ts.CompilerOptions): string[] {
  const full: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, esModuleInterop: true, ...options };
  const program = ts.createProgram({ rootNames: files.map((f) => join(project, f)), options: full, host: host(full) });
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? `${d.file.fileName.slice(project.length + 1)}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

const RESOLUTIONS: ReadonlyArray<[string, ts.CompilerOptions, readonly string[]]> = [
  ['node10', { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 }, ['.ts']],
  ['node16', { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 }, ['.ts', '.mts']],
  ['nodenext', { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }, ['.ts', '.mts']],
  ['bundler', { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler }, ['.ts']],
];

describe.each(RESOLUTIONS)('moduleResolution %s', (_name, options, extensions) => {
  it('type-checks a program importing every entry', () => {
    expect(typeErrors(extensions.map((ext) => `all-entries${ext}`), { ...options, skipLibCheck: true })).toEqual([]);
  }, 60_000);

  it('type-checks the main entry with "types": [] and skipLibCheck: false', () => {
    expect(typeErrors(extensions.map((ext) => `main-entry${ext}`), { ...options, types: [], skipLibCheck: false, skipDefaultLibCheck: true })).toEqual([]);
  }, 60_000);
});

it('the main entry declarations mention no Node namespace or module', () => {
  const declarations = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (['emulator', 'node', 'cli', 'testing'].includes(e.name) ? [] : declarations(join(dir, e.name))) : e.name.endsWith('.d.ts') ? [join(dir, e.name)] : []));
  for (const format of ['cjs', 'esm']) {
    for (const file of declarations(join(project, 'node_modules', 'rx-presence', 'dist', format))) {
      expect({ file, node: /\bNodeJS\.|from ['"]node:|reference types="node"/.test(readFileSync(file, 'utf8')) }).toEqual({ file, node: false });
    }
  }
});

// ---- running it

it('an .mjs with named imports and a .cjs with require both run in Node', async () => {
  const [esm, cjs] = await nodeRuns;
  const expected = { here: 1, leaveOnExit: 'function', browser: 'function function', scripted: 'function', heartbeat: 200 };
  expect({ code: esm.code, stderr: esm.stderr, out: JSON.parse(esm.stdout || 'null') }).toEqual({ code: 0, stderr: '', out: expected });
  expect({ code: cjs.code, stderr: cjs.stderr, out: JSON.parse(cjs.stdout || 'null') }).toEqual({ code: 0, stderr: '', out: expected });
}, 60_000);

it("a jest test with ts-jest's default config passes and exits at once", async () => {
  const result = await jestRun;
  expect({ code: result.code, output: result.stderr }).toEqual({ code: 0, output: expect.stringContaining('1 passed') });
  expect(result.stderr).not.toContain('did not exit');
  expect(result.stderr).not.toMatch(/error TS\d{4}/);
}, 90_000);
