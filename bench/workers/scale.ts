/**
 * Worker: one size of the emulator-scale case, in a fresh process (with `--expose-gc`) so heap
 * figures are this size's alone. Sends one `{ type: 'result', … }` and exits.
 *
 * argv: occupants perChannel samples expiryRepetitions
 *
 * 1. Memory: the heap grown by putting `occupants` uuids, `perChannel` to a channel, into the
 *    store directly (100,000s of HTTP heartbeats would only measure HTTP), after full GCs.
 * 2. Latency over HTTP (keep-alive, one request at a time, here-now cache off so every answer is
 *    computed): here now of one random channel (`perChannel` occupants) and where now of one
 *    random uuid.
 * 3. Mass expiry: everyone was put with the same 300 s timeout; the injected clock jumps 301 s and
 *    the emulator expires them the way it does in service (its background sweep, and before each
 *    request), while this process measures the longest event-loop stall (a 1 ms ticker's largest
 *    gap, and `monitorEventLoopDelay`) and keeps sending here-now requests to see how long they
 *    wait. Then, for comparison, an explicit `emulator.sweep()` of another full population, which
 *    is one synchronous call by design (tests call it after moving the clock).
 */
import http from 'node:http';
import { constants, monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import type { EmulatorServer } from '../../lib/emulator/server';
import type { EmulatorClock } from '../../lib/emulator/types';
import { emulatorServer } from '../package';

// The emulator as users run it (dist/cjs), see ../package.ts.
const { EmulatorServer: Server } = emulatorServer();

export interface Expiry {
  /** Largest gap of a 1 ms ticker while the mass expiry ran, minus the 1 ms it should be. */
  readonly maxStallMs: number;
  /** `monitorEventLoopDelay` max over the same window. */
  readonly histogramMaxMs: number;
  /** Whether an `events$` subscriber was counting the timeouts. */
  readonly withSubscriber: boolean;
  /** From the clock jump until the last occupant was gone. */
  readonly wallMs: number;
  /** Slowest here-now answered while the expiry ran. */
  readonly maxRequestMs: number;
  readonly requests: number;
  /** Calls of `keyspaces.sweep` (the emulator's expiry slices) that expired something, and the longest. */
  readonly slices: number;
  readonly maxSliceMs: number;
  /** Longest garbage-collection pause in the window, and its kind. */
  readonly maxGcMs: number;
  readonly maxGcKind: string;
}

export interface ScaleResult {
  readonly type: 'result';
  readonly occupants: number;
  readonly channels: number;
  readonly populateMs: number;
  readonly heapBytesPerOccupant: number;
  readonly rssBytesPerOccupant: number;
  readonly hereNowUs: readonly number[];
  readonly whereNowUs: readonly number[];
  /** One per repetition of the mass expiry. */
  readonly expiries: readonly Expiry[];
  /** One explicit `emulator.sweep()` expiring everyone. */
  readonly explicitSweepMs: number;
}

const SUBSCRIBE_KEY = 'sub-c-scale';
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
const TIMEOUT_S = 300;
/** Wait after the forced full GC before a mass expiry is measured. */
const SETTLE_MS = 1000;

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with --expose-gc');
  collect();
  collect();
};

class ManualClock implements EmulatorClock {
  ms = Date.UTC(2030, 0, 1);
  now(): number {
    return this.ms;
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(url: string, retried = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      // The keep-alive race Node's documentation describes: the server closed the idle socket (at
      // 1 M occupants, filling the store leaves it idle for seconds) just as this request reused
      // it. Once more, on a new socket.
      if (!retried && request.reusedSocket && error.code === 'ECONNRESET') resolve(get(url, true));
      else reject(error);
    });
  });
}

async function timedGet(url: string): Promise<number> {
  const started = performance.now();
  const { status, body } = await get(url);
  const us = (performance.now() - started) * 1000;
  if (status !== 200) throw new Error(`${url} → ${status} ${body}`);
  return us;
}

function populate(emulator: EmulatorServer, occupants: number, channels: number): void {
  const { presence } = emulator.keyspaces.write(SUBSCRIBE_KEY);
  for (let i = 0; i < occupants; i++) presence.heartbeat(`user-${i}`, [`ch-${i % channels}`], TIMEOUT_S);
}

/** Jumps the clock past everyone's timeout and measures until the last timeout event. */
async function massExpiry(
  emulator: EmulatorServer,
  clock: ManualClock,
  occupants: number,
  hereNowUrl: () => string,
  withSubscriber: boolean,
): Promise<Expiry> {
  gc();
  const { presence } = emulator.keyspaces.read(SUBSCRIBE_KEY);
  let lastTimeoutAt = 0;
  // A subscriber to `events$` (tests and the demo have one) makes each timeout cost a little more.
  const counting = withSubscriber ? emulator.events$.subscribe(() => (lastTimeoutAt = performance.now())) : undefined;
  let maxGap = 0;
  let lastTick = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - lastTick);
    lastTick = now;
  }, 1);
  // Attribution: how long each expiry slice took, and every GC pause.
  const { keyspaces } = emulator;
  const sweep = keyspaces.sweep.bind(keyspaces);
  let slices = 0;
  let maxSliceMs = 0;
  keyspaces.sweep = (...args: Parameters<typeof sweep>) => {
    const before = presence.size;
    const sliceStarted = performance.now();
    const drained = sweep(...args);
    if (presence.size < before) {
      lastTimeoutAt = performance.now();
      slices++;
      maxSliceMs = Math.max(maxSliceMs, performance.now() - sliceStarted);
    }
    return drained;
  };
  let maxGcMs = 0;
  let maxGcKind = '';
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.duration <= maxGcMs) continue;
      maxGcMs = entry.duration;
      maxGcKind = GC_KINDS[(entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'unknown';
    }
  });
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  // The ticker settles, and so does the full GC forced above: its concurrent sweeping of a heap of
  // hundreds of MB, and a young generation it shrank, made the first slices after it 2–5× slower
  // (BENCHMARKS.md, fifth round), a cost of this measurement, not of the emulator.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  gcObserver.observe({ entryTypes: ['gc'] });
  histogram.enable();
  const started = performance.now();
  maxGap = 0;
  lastTick = started;
  clock.ms += (TIMEOUT_S + 1) * 1000;
  let maxRequestMs = 0;
  let requests = 0;
  const deadline = started + 60_000;
  try {
    while (presence.size > 0 && performance.now() < deadline) {
      maxRequestMs = Math.max(maxRequestMs, (await timedGet(hereNowUrl())) / 1000);
      requests++;
    }
  } finally {
    histogram.disable();
    clearInterval(ticker);
    counting?.unsubscribe();
    keyspaces.sweep = sweep;
    // GC entries are delivered asynchronously; let the last ones arrive.
    await new Promise((resolve) => setTimeout(resolve, 10));
    gcObserver.disconnect();
  }
  if (presence.size > 0) throw new Error(`${presence.size} of ${occupants} still present 60 s after their timeout`);
  return {
    withSubscriber,
    maxStallMs: Math.max(0, maxGap - 1),
    histogramMaxMs: histogram.max / 1e6,
    wallMs: lastTimeoutAt - started,
    maxRequestMs,
    requests,
    slices,
    maxSliceMs,
    maxGcMs,
    maxGcKind,
  };
}

async function main(): Promise<void> {
  const [occupantsArg = '10000', perChannelArg = '100', samplesArg = '1000', expiryRepsArg = '1'] = process.argv.slice(2);
  const occupants = Number(occupantsArg);
  const channels = Math.max(1, Math.round(occupants / Number(perChannelArg)));
  const samples = Number(samplesArg);
  const expiryReps = Number(expiryRepsArg);
  const clock = new ManualClock();
  const emulator = await Server.start({ clock, hereNowCacheMs: 0 });
  const base = `${emulator.url}/v2/presence/sub-key/${SUBSCRIBE_KEY}`;
  const random = (n: number) => Math.floor(Math.random() * n);
  const hereNowUrl = () => `${base}/channel/ch-${random(channels)}?uuid=bench&limit=1000`;
  const whereNowUrl = () => `${base}/uuid/user-${random(occupants)}?uuid=bench`;

  // 1. Memory.
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  const populateStarted = performance.now();
  populate(emulator, occupants, channels);
  const populateMs = performance.now() - populateStarted;
  gc();
  const heapBytesPerOccupant = (process.memoryUsage().heapUsed - heapBefore) / occupants;
  const rssBytesPerOccupant = (process.memoryUsage().rss - rssBefore) / occupants;

  // 2. Latency: warm up, then interleave the two kinds.
  for (let i = 0; i < 200; i++) {
    await timedGet(hereNowUrl());
    await timedGet(whereNowUrl());
  }
  const hereNowUs: number[] = [];
  const whereNowUs: number[] = [];
  for (let i = 0; i < samples; i++) {
    hereNowUs.push(await timedGet(hereNowUrl()));
    whereNowUs.push(await timedGet(whereNowUrl()));
  }

  // 3. Mass expiry, as the running emulator does it.
  const expiries: Expiry[] = [];
  for (let rep = 0; rep < expiryReps; rep++) {
    if (rep > 0) populate(emulator, occupants, channels);
    // Alternate: without an `events$` subscriber (the bare emulator), then with one.
    expiries.push(await massExpiry(emulator, clock, occupants, hereNowUrl, rep % 2 === 1));
  }

  // 4. For comparison: one explicit sweep() of a full population.
  populate(emulator, occupants, channels);
  gc();
  clock.ms += (TIMEOUT_S + 1) * 1000;
  const sweepStarted = performance.now();
  emulator.sweep();
  const explicitSweepMs = performance.now() - sweepStarted;
  if (emulator.keyspaces.read(SUBSCRIBE_KEY).presence.size !== 0) throw new Error('explicit sweep left occupants');

  agent.destroy();
  await emulator.close();
  const result: ScaleResult = {
    type: 'result',
    occupants,
    channels,
    populateMs,
    heapBytesPerOccupant,
    rssBytesPerOccupant,
    hereNowUs,
    whereNowUs,
    expiries,
    explicitSweepMs,
  };
  process.send?.(result, () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`scale worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
