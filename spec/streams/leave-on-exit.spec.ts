import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startEmulator, type Emulator, type EmulatorPresenceEvent } from '../../lib/emulator';
import { randomKey } from '../helpers/emulator';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ hereNowCacheMs: 0 });
});
afterAll(() => emulator.close());

describe('leaveOnExit', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('on %s, every client of the process leaves, then it exits with %i', async (signal, code) => {
    const key = randomKey();
    const events: EmulatorPresenceEvent[] = [];
    const watching = emulator.events$.subscribe((e) => (e.subscribeKey === key ? events.push(e) : undefined));
    const root = join(__dirname, '..', '..');
    // The loader inside the one process (tsx's CLI would put a wrapper between us and it), so the
    // signal goes straight to the process under test, and a failed test leaves no orphan behind.
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), join('spec', 'fixtures', 'leave-on-exit-child.ts'), emulator.url, key], { cwd: root });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child never got present: ${output}`)), 15_000);
        child.stdout.on('data', () => (output.includes('present') ? (clearTimeout(timer), resolve()) : undefined));
      });
      child.kill(signal);
      expect(await exited).toBe(code);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      watching.unsubscribe();
    }
    const leaves = events.filter((e) => e.action === 'leave').map((e) => `${e.uuid} ${e.channel}`).sort();
    expect(leaves).toEqual(['alice kitchen', 'alice lobby', 'bob lobby']);
  }, 30_000);
});
