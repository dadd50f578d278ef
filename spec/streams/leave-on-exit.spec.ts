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
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), join('spec', 'fixtures', 'leave-on-exit-child.ts'), emulator.url, key], { cwd: root });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child never got present: ${output}`)), 15_000);
      child.stdout.on('data', () => (output.includes('present') ? (clearTimeout(timer), resolve()) : undefined));
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    child.kill(signal);
    expect(await exited).toBe(code);
    watching.unsubscribe();
    const leaves = events.filter((e) => e.action === 'leave').map((e) => `${e.uuid} ${e.channel}`).sort();
    expect(leaves).toEqual(['alice kitchen', 'alice lobby', 'bob lobby']);
  }, 30_000);
});
