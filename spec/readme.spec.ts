import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../lib/emulator';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const squash = (line: string) => line.trim().replace(/\s+/g, ' ');

/**
 * Every TypeScript snippet in the README names the file it is quoted from on its first line, and
 * its lines appear there, in order and together. Those files are run by the examples spec (or are
 * specs themselves, or fixtures that specs run, or bench pages that the bench bundles and
 * `npm run typecheck` checks), so no snippet can go stale.
 */
describe('README snippets', () => {
  it('there are snippets', () => {
    expect(blocks.length).toBeGreaterThan(10);
  });

  it.each(blocks.map((block, i) => [i + 1, block.split('\n')[0], block] as const))('snippet %i (%s) is quoted from a tested file', (_i, first, block) => {
    const source = /^\/\/ ((?:examples|spec|bench\/pages)\/[\w/.-]+\.ts)$/.exec(first)?.[1];
    expect(source).toBeDefined();
    expect(existsSync(join(root, source!))).toBe(true);
    const fileLines = readFileSync(join(root, source!), 'utf8').split('\n').map(squash);
    const quoted = block.split('\n').slice(1).map(squash).filter(Boolean);
    const start = fileLines.indexOf(quoted[0]);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(fileLines.slice(start).filter(Boolean).slice(0, quoted.length)).toEqual(quoted);
  });
});

/**
 * The README's CLI section, run as written: its `sh` block through bash, after starting the
 * emulator as the section says (in process here, on a free port that replaces 8090). `npx
 * rx-presence` is the bin from source, through a shim on the PATH that `exec`s it, so that `$!`
 * and `kill` reach the CLI itself. Each line's exit status is recorded after it.
 */
describe('README: the CLI section, run as written', () => {
  const section = readme.slice(readme.indexOf('## The CLI\n'), readme.indexOf('\n## ', readme.indexOf('## The CLI\n') + 1));
  const script = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const lines = script.split('\n').filter((line) => line.trim() !== '');
  const background = (line: string) => /[^&]&(\s|$)/.test(line.replace(/\s+#.*$/, ''));

  it('names the emulator with --origin in every command, and backgrounds only what runs until stopped', () => {
    expect(lines.length).toBeGreaterThan(8);
    for (const line of lines.filter((l) => l.startsWith('npx '))) expect(line).toContain('--origin http://127.0.0.1:8090 ');
    expect(lines.filter(background).map((line) => /\s(watch|heartbeat)\s/.exec(line)?.[1])).toEqual(['watch', 'heartbeat']);
  });

  it('every line succeeds and prints what the section promises', async () => {
    const emulator = await startEmulator({ port: 0 });
    const bin = mkdtempSync(join(tmpdir(), 'rx-presence-readme-'));
    try {
      writeFileSync(join(bin, 'npx'), `#!/bin/sh\n[ "$1" = rx-presence ] || { echo "not rx-presence: $*" >&2; exit 127; }\nshift\nexec "${process.execPath}" --import tsx "${join(root, 'lib/cli/index.ts')}" "$@"\n`);
      chmodSync(join(bin, 'npx'), 0o755);
      const marked = lines.map((line, i) => (background(line) ? line : `${line}\necho "[line ${i + 1} exit $?]"`)).join('\n');
      // Not spawnSync: the emulator answering the script lives in this process's event loop.
      const bash = spawn('bash', ['-c', `${marked.replaceAll('http://127.0.0.1:8090', emulator.url)}\nwait\n`], {
        cwd: root,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const run = { stdout: '', stderr: '' };
      bash.stdout.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
      bash.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
      await new Promise((resolve) => bash.on('close', resolve));
      // What each line printed: the text before its mark (background commands print anywhere).
      const segments = run.stdout.split(/^\[line \d+ exit \d+\]$/m);
      const printed = (command: RegExp) => segments[lines.filter((line) => !background(line)).findIndex((line) => command.test(line))] ?? '';

      expect(run.stderr).toBe('');
      expect([...run.stdout.matchAll(/^\[line (\d+) exit (\d+)\]$/gm)].map(([, line, code]) => `${lines[Number(line) - 1]} → ${code}`)).toEqual(
        lines.filter((line) => !background(line)).map((line) => `${line} → 0`),
      );
      expect(printed(/groups list cg1/).trim().split('\n').sort()).toEqual(expect.arrayContaining(['games', 'lobby']));
      expect(printed(/here-now lobby --state/)).toMatch(/^lobby {2}1 occupant\n {2}alice {2}\{"mood":"ok"\}$/m);
      expect(printed(/where-now alice/)).toMatch(/^lobby$/m);
      expect(printed(/state get lobby/)).toMatch(/^lobby {2}\{"mood":"ok"\}$/m);
      expect(printed(/--json here-now --groups cg1/)).toMatch(/^\{"totalChannels":1,"totalOccupancy":1,"channels":\{"lobby":\{"occupancy":1,"occupants":\[\{"uuid":"alice"\}\]\}\}\}$/m);
      expect(run.stdout).toMatch(/ present on lobby as alice /);
      expect(run.stdout).toMatch(/ left lobby$/m);
      expect(run.stdout).toMatch(/^watching lobby \(real-time events\); Ctrl-C to stop$/m);
      expect(run.stdout).toMatch(/ {2}join {10}lobby {2}alice {2}1 here/);
      expect(run.stdout).toMatch(/ {2}leave {9}lobby {2}alice {2}0 here/);
      expect(run.stdout).toMatch(/ {2}here now {6}lobby {2}alice \(1\)$/m);
    } finally {
      rmSync(bin, { recursive: true, force: true });
      await emulator.close();
    }
  }, 120_000);
});
