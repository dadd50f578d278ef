import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..');
// tsx's loader in the child itself: its CLI would start a second node process for each example.
const tsx = ['--require', require.resolve('tsx/cjs')];

/**
 * At most this many examples run at once: they mostly wait on their own timers, but each child
 * first spends a CPU-second compiling, and a 2-core machine should not do fourteen of those at once.
 */
const AT_ONCE = 3;
let running = 0;
const queue: Array<() => void> = [];
async function limited<T>(task: () => Promise<T>): Promise<T> {
  if (running >= AT_ONCE) await new Promise<void>((resolve) => queue.push(resolve));
  running++;
  try {
    return await task();
  } finally {
    running--;
    queue.shift()?.();
  }
}

/** What each example must print (each runs against its own in-process emulator). */
const expected: Record<string, RegExp[]> = {
  'here-now-basic': [/^Total channels: 1$/m, /^Total occupancy: 1$/m, /^Channel: my_channel, occupancy: 1, users: myUniqueUserId$/m],
  'here-now-with-state': [/^myUUID1: \{"abcd":\{"age":15\}\}$/m],
  'here-now-occupancy-only': [/^my_channel occupancy: 1$/m],
  'here-now-channel-groups': [/^Total occupancy: 2$/m, /^ch1: myUniqueUserId$/m, /^ch2: myUniqueUserId$/m],
  heartbeat: [/^Present on: ch1, my_channel$/m],
  leave: [/^Action: leave$/m, /^Present on: nothing$/m],
  'set-state': [/^State set: \{"is_typing":true\}$/m],
  'get-state': [/^ch1: \{"mood":"ok"\}$/m, /^g2: \{"mood":"ok"\}$/m, /^By user: \{"myUniqueUserId":\{"ch1":\{"mood":"ok"\}/m],
  'where-now': [/^alice \(asked by alice\): kitchen, lobby$/m, /^alice \(asked by bob\): kitchen, lobby$/m],
  'heartbeat-stream': [/^heartbeat ok for lobby$/m, /^while subscribed: alice$/m, /^after takeUntil: 0 present$/m],
  'here-now-stream': [/^occupancy of lobby: 0 → 1$/m],
  'presence-events': [
    /^join: alice on lobby \{"mood":"happy"\} \(1 here\)$/m,
    /^state-change: alice on lobby \{"mood":"busy"\} \(1 here\)$/m,
    /^leave: alice on lobby \{"mood":"busy"\} \(0 here\)$/m,
  ],
  roster: [
    /^events: connecting\noccupancy: 0\nalice present: false\nbob's state: undefined\noccupancy: 1\nalice present: true\noccupancy: 2\noccupancy: 3\nbob's state: \{"name":"Bob"\}$/m,
    /^alice: alice:phone, alice:laptop\nbob: bob\nmembers: Alice, Alice, Bob\noccupancy: 2\noccupancy: 1\nalice present: false\noccupancy: 0\nbob's state: undefined$/m,
  ],
  'error-handling': [/^validation: heartbeat: heartbeat must be an integer from 1 to 320 seconds, got 500$/m, /^network: offline/m],
};

describe('examples/', () => {
  it('has an expectation for every example (none is left unrun)', () => {
    const files = readdirSync(join(root, 'examples'))
      .filter((f) => f.endsWith('.ts') && f !== 'demo.ts')
      .map((f) => f.replace(/\.ts$/, ''));
    expect(files.sort()).toEqual(Object.keys(expected).sort());
  });

  // The child's time limit only catches a hang: on a fresh clone the first examples also compile
  // lib/ for tsx's cache, three at once, which took over 30 s on the loaded 2-core machine.
  it.concurrent.each(Object.entries(expected))('%s runs and prints what it should', async (name, patterns) => {
    const env = { ...process.env };
    delete env.RX_PRESENCE_ORIGIN;
    const { stdout } = await limited(() => run(process.execPath, [...tsx, join('examples', `${name}.ts`)], { cwd: root, env, timeout: 60_000 }));
    for (const pattern of patterns) expect(stdout).toMatch(pattern);
  }, 90_000);
});
