/** @test examples/demo.ts */
import { runChild } from './helpers/child';

/** `npm run demo` is `tsx examples/demo.ts`: the same loader, in the one process (no npx, no tsx CLI wrapper). */
const DEMO = ['--require', require.resolve('tsx/cjs'), 'examples/demo.ts'];

/** Runs the demo as a child with stdout piped (so it prints plain lines); `onStdout` may signal it. */
const runDemo = (command: string, args: string[], onStdout?: (stdout: string, pid: number) => void) => runChild(command, args, { RX_PRESENCE_ORIGIN: '' }, onStdout);

/** Lines of one voice (`script`, `watcher`, `emulator`), without the time. */
const voice = (stdout: string, name: string) =>
  stdout
    .split('\n')
    .filter((line) => new RegExp(`^\\d\\d:\\d\\d:\\d\\d  ${name} `).test(line))
    .map((line) => line.slice(10 + name.length).trim());

describe('npm run demo', () => {
  // Concurrent: each runs its own demo process with its own emulator, and both mostly wait on the clock.
  it.concurrent('short mode shows joins, state changes, leaves and a timeout, and exits 0 by itself', async () => {
    const result = await runDemo(process.execPath, [...DEMO, '--short']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.ms).toBeLessThan(30_000);
    // Plain append-only lines: no terminal redraw when stdout is not a TTY.
    expect(result.stdout).not.toContain('\x1b[');
    expect(result.stdout).toMatch(/^rx-presence demo: 5 simulated users/);
    expect(result.stdout).toContain('Polling cannot tell a leave from a timeout');

    const server = voice(result.stdout, 'emulator');
    expect(server).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^join +lobby +alice +1 here +\{"mood":"curious"\}$/),
        expect.stringMatching(/^state-change +lobby +alice +\d here +\{"mood":"busy"\}$/),
        expect.stringMatching(/^state-change +games +dave +\d here +\{"score":42\}$/),
        expect.stringMatching(/^leave +lobby +bob +\d here/),
        expect.stringMatching(/^timeout +lobby +carol +\d here$/),
        'done: 6 join, 2 state-change, 5 leave, 1 timeout',
      ]),
    );
    // The crashed user is timed out, never left.
    expect(server.some((line) => /^leave +lobby +carol/.test(line))).toBe(false);

    // The polling view sees the same people come and go (a timeout looks like a leave to it).
    const watcher = voice(result.stdout, 'watcher');
    expect(watcher).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^join +lobby +alice/),
        expect.stringMatching(/^leave +lobby +carol/),
        expect.stringMatching(/^state-change +games +dave +\d here +\{"score":42\}$/),
        expect.stringMatching(/^lobby: \d here \(/),
      ]),
    );
    // The roster lines come from roster$ (sharing presenceEvents$'s poll): the last one shows eve
    // with her state and no carol (timed out) or bob (left).
    expect(result.stdout).toContain('who is here (roster$, the same poll)');
    expect(watcher.filter((line) => line.startsWith('lobby:')).at(-1)).toBe('lobby: 2 here (alice {"mood":"busy"}, eve {"mood":"new here"})');

    const script = voice(result.stdout, 'script');
    expect(script).toEqual(expect.arrayContaining(['carol crashes: heartbeats stop, no leave; expect a timeout within 3 s', 'time is up: everyone still present leaves']));
  }, 40_000);

  it.concurrent('Ctrl-C makes everyone still present leave, then exits 0', async () => {
    let interrupted = false;
    // node itself rather than npx: npm re-raises a SIGINT on itself, hiding the demo's exit code.
    const result = await runDemo(process.execPath, [...DEMO, '--duration', '20'], (stdout, pid) => {
      if (!interrupted && /emulator +join +games +dave/.test(stdout)) {
        interrupted = true;
        process.kill(pid, 'SIGINT');
      }
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const script = voice(result.stdout, 'script');
    expect(script).toContain('Ctrl-C: everyone still present leaves');
    const goodbyes = voice(result.stdout.slice(result.stdout.indexOf('Ctrl-C: everyone')), 'emulator').filter((line) => line.startsWith('leave'));
    // alice, bob (twice: lobby and games), carol (not crashed yet, so she leaves politely) and dave.
    expect(goodbyes.map((line) => line.split(/ +/).slice(1, 3).join(' ')).sort()).toEqual(['games bob', 'games dave', 'lobby alice', 'lobby bob', 'lobby carol']);
    expect(result.stdout).toMatch(/done: 5 join, 0 state-change, 5 leave, 0 timeout\n$/);
  }, 40_000);
});
