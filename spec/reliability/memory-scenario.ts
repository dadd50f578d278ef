/**
 * The scenario of `memory.spec.ts`, run in a child process of its own (`node --expose-gc --import
 * tsx`) so that nothing else in the jest worker moves the heap: 5,000 keyspaces, 100,000 channels
 * and 1,000 30 KB states come and go on an injected clock. Prints one JSON line: the heap (MB,
 * after full collections) at the baseline, at the peak and after expiry, and what the emulator
 * still holds.
 */
import { EmulatorServer } from '../../lib/emulator/server';
import { ManualClock } from '../helpers/emulator';

export const KEYSPACES = 5_000;
export const CHANNELS = 100_000;
export const BIG_STATES = 1_000;
/** How many keyspaces and big states go through HTTP; the rest are seeded directly, which is faster. */
const THROUGH_HTTP = 200;
const MB = 1024 * 1024;

/** The JSON line the scenario prints. */
export interface MemoryReport {
  readonly baselineMB: number;
  readonly peakMB: number;
  readonly afterMB: number;
  readonly retained: { readonly keyspaces: number; readonly eventLogs: number; readonly parkedStates: number };
}

/** heapUsed (MB) after full collections, once nothing is left to free. */
async function settledHeap(): Promise<number> {
  const gc = global.gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 2; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return process.memoryUsage().heapUsed / MB;
}

/** Runs `count` calls of `task(i)`, `parallel` at a time. */
async function inBatches(count: number, parallel: number, task: (i: number) => Promise<unknown>): Promise<void> {
  for (let from = 0; from < count; from += parallel) {
    await Promise.all(Array.from({ length: Math.min(parallel, count - from) }, (_, j) => task(from + j)));
  }
}

async function main(): Promise<void> {
  const clock = new ManualClock();
  const emulator = await EmulatorServer.start({ clock });
  const ok = async (path: string) => {
    const response = await fetch(`${emulator.url}${path}`);
    if (response.status !== 200) throw new Error(`${path.slice(0, 80)} → ${response.status}`);
    await response.arrayBuffer();
  };
  try {
    // Warm every path once (HTTP, here-now cache, subscribe, events) so that code and pools are not counted.
    await ok('/v2/presence/sub-key/warm/channel/w/heartbeat?uuid=w&heartbeat=5&state=%7B%22a%22%3A1%7D');
    await ok('/v2/presence/sub-key/warm/channel/w?uuid=w&state=1');
    await ok('/v2/subscribe/warm/w-pnpres/0?uuid=w');
    await ok('/v2/presence/sub-key/warm/channel/w/leave?uuid=w');
    clock.advance(24 * 3600_000);
    emulator.sweep();
    const baselineMB = await settledHeap();

    // Keyspaces, one user each: some through HTTP (the request path), the bulk seeded directly.
    await inBatches(THROUGH_HTTP, 25, (i) => ok(`/v2/presence/sub-key/key-${i}/channel/lobby/heartbeat?uuid=u${i}&heartbeat=60`));
    for (let i = THROUGH_HTTP; i < KEYSPACES; i++) emulator.keyspaces.write(`key-${i}`).presence.heartbeat(`u${i}`, ['lobby'], 60);
    // Channels: 100k in one keyspace, 500 per user as a heartbeat may name them.
    const crowded = emulator.keyspaces.write('crowded').presence;
    for (let user = 0; user < CHANNELS / 500; user++) {
      crowded.heartbeat(`u${user}`, Array.from({ length: 500 }, (_, i) => `ch-${user * 500 + i}`), 60);
    }
    // Big states: each goes into the channel's event log and the occupant.
    const blob = (i: number) => ({ blob: `${i}`.padEnd(30_000, 'x') });
    await inBatches(THROUGH_HTTP, 10, (i) =>
      ok(`/v2/presence/sub-key/big/channel/room/heartbeat?uuid=u${i}&heartbeat=60&state=${encodeURIComponent(JSON.stringify(blob(i)))}`),
    );
    const big = emulator.keyspaces.write('big').presence;
    for (let i = THROUGH_HTTP; i < BIG_STATES; i++) big.heartbeat(`u${i}`, ['room'], 60, new Map([['room', blob(i)]]));
    const peakMB = await settledHeap();

    // Everyone times out; then the event logs pass their retention and go too.
    clock.advance(61_000);
    emulator.sweep();
    clock.advance(24 * 3600_000);
    emulator.sweep();
    const afterMB = await settledHeap();
    const report: MemoryReport = { baselineMB, peakMB, afterMB, retained: emulator.retained() };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await emulator.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
