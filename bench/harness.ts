/**
 * The bench's measuring tools: samples with warm-up and interleaving, medians, result rows, the
 * table, and forking TypeScript workers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One line of the table, and of `--json`. */
export interface Row {
  /** One of {@link CASES}. */
  readonly case: CaseName;
  readonly variant: string;
  /** Median of the repetitions. */
  readonly median: number;
  readonly unit: string;
  /** What we are compared with, or `null` when the row has no peer (an absolute goal). */
  readonly peer: string | null;
  readonly peerMedian: number | null;
  /** `median / peerMedian`; `null` without a peer. */
  readonly ratio: number | null;
  /** The goal, in words (`< 1× peer`, `≥ 0.70× bare`, `≤ 10 ms`). */
  readonly goal: string;
  /** Whether the goal is met; `null` for rows that only inform. */
  readonly met: boolean | null;
  /** Every repetition, ours then the peer's (for the JSON). */
  readonly samples: readonly number[];
  readonly peerSamples: readonly number[];
  readonly note?: string;
}

/** The five cases of issue 6, in order, issue 8's event latency and issue 11's bundle size. */
export const CASES = ['diff', 'client-overhead', 'request-economy', 'emulator-throughput', 'emulator-scale', 'event-latency', 'bundle-size'] as const;
export type CaseName = (typeof CASES)[number];

/** What every case gets. */
export interface BenchContext {
  readonly quick: boolean;
  /**
   * The smallest run that still goes through every case and row (`--smoke`, for spec/bench.spec.ts):
   * its numbers mean nothing, only their shape is checked. Implies {@link quick}.
   */
  readonly smoke: boolean;
  /** Progress lines (stderr), so stdout stays the table. */
  readonly log: (line: string) => void;
}

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

/**
 * Builds a row, computing the ratio and whether `goal` holds for it.
 *
 * @param check - Gets the ratio (with a peer) or the median (without); `undefined` for information only.
 */
export function row(fields: {
  case: CaseName;
  variant: string;
  samples: readonly number[];
  unit: string;
  peer?: string;
  peerSamples?: readonly number[];
  peerMedian?: number;
  goal: string;
  check?: (value: number) => boolean;
  note?: string;
}): Row {
  const ours = median(fields.samples);
  const peerSamples = fields.peerSamples ?? [];
  const peerMedian = fields.peer === undefined ? null : (fields.peerMedian ?? median(peerSamples));
  const ratio = peerMedian === null ? null : ours / peerMedian;
  const judged = ratio ?? ours;
  return {
    case: fields.case,
    variant: fields.variant,
    median: ours,
    unit: fields.unit,
    peer: fields.peer ?? null,
    peerMedian,
    ratio,
    goal: fields.goal,
    met: fields.check === undefined ? null : fields.check(judged),
    samples: fields.samples,
    peerSamples,
    ...(fields.note === undefined ? {} : { note: fields.note }),
  };
}

// `gc()` without asking users to pass `--expose-gc` to `npm run bench`: the flag can still be set
// before the first call, and a fresh context then sees the function.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** A full collection, so one variant's garbage is not charged to the next. */
export const gc = (): void => collect();

/** A unit of work that runs `iterations` times and may be async. */
export type Work = (iterations: number) => void | Promise<void>;

export interface PairOptions {
  /** Samples per side. */
  readonly reps: number;
  /** Time to spend warming each side up before sampling. */
  readonly warmupMs: number;
  /** Each sample repeats the work until at least this long, so short operations are not timer noise. */
  readonly minSampleMs: number;
  /** Upper bound of repetitions inside one sample. */
  readonly maxIterations?: number;
}

async function timed(work: Work, iterations: number): Promise<number> {
  const start = performance.now();
  await work(iterations);
  return performance.now() - start;
}

/** How many iterations make a sample last `minSampleMs` (by timing one, then a batch). */
async function calibrate(work: Work, minSampleMs: number, maxIterations: number): Promise<number> {
  let iterations = 1;
  for (;;) {
    const elapsed = await timed(work, iterations);
    if (elapsed >= minSampleMs || iterations >= maxIterations) return iterations;
    const next = elapsed <= 0 ? iterations * 10 : Math.ceil((iterations * minSampleMs * 1.2) / elapsed);
    iterations = Math.min(maxIterations, Math.max(iterations + 1, next));
  }
}

/**
 * Times two ways of doing the same work, interleaved (ours, peer, ours, peer, …) so that drift,
 * JIT tiering and thermal state hit both alike. Each side is warmed up first; a full GC precedes
 * every sample. Returns milliseconds per iteration for each sample.
 */
export async function samplePair(ours: Work, peer: Work, options: PairOptions): Promise<{ ours: number[]; peer: number[] }> {
  const max = options.maxIterations ?? 1_000_000;
  for (const work of [ours, peer]) {
    const until = performance.now() + options.warmupMs;
    do await work(1);
    while (performance.now() < until);
  }
  const oursIterations = await calibrate(ours, options.minSampleMs, max);
  const peerIterations = await calibrate(peer, options.minSampleMs, max);
  const result = { ours: [] as number[], peer: [] as number[] };
  for (let i = 0; i < options.reps; i++) {
    gc();
    result.ours.push((await timed(ours, oursIterations)) / oursIterations);
    gc();
    result.peer.push((await timed(peer, peerIterations)) / peerIterations);
  }
  return result;
}

/** Flags of this process that a worker should not inherit (profiling would write one file per worker). */
const NOT_INHERITED = /^--(cpu-prof|heap-prof|prof|inspect)/;

/** Node flags that take a module to preload as their value: `-r x`, `--import x` or `--import=x`. */
const LOADER_FLAG = /^(-r|--require|--import|--loader|--experimental-loader)$/;
const LOADER_FLAG_WITH_VALUE = /^(--require|--import|--loader|--experimental-loader)=/;

/**
 * `flags` without tsx's loader: each loader flag whose module is tsx's, with its value. (A loader
 * given through `NODE_OPTIONS` reaches the workers all the same: forked children inherit the
 * environment.)
 */
function withoutLoader(flags: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i];
    if (LOADER_FLAG.test(flag) && flags[i + 1]?.includes('tsx')) i++;
    else if (!(LOADER_FLAG_WITH_VALUE.test(flag) && flag.includes('tsx'))) kept.push(flag);
  }
  return kept;
}

/**
 * Forks a worker: a TypeScript one under the loader this process runs with (tsx), a JavaScript one
 * (`.js`, `.cjs`, `.mjs`) on plain `node`, as the processes the bench measures run (the servers). `extraExecArgv`
 * adds Node flags such as `--expose-gc` or `--max-old-space-size`.
 */
export function forkWorker(file: string, args: readonly string[] = [], extraExecArgv: readonly string[] = []): ChildProcess {
  const inherited = process.execArgv.filter((flag) => !NOT_INHERITED.test(flag));
  const plain = /\.[cm]?js$/.test(file);
  const hasLoader = inherited.some((flag) => flag.includes('tsx'));
  const execArgv = [...(plain ? withoutLoader(inherited) : hasLoader ? inherited : [...inherited, '--import', 'tsx']), ...extraExecArgv];
  if (process.env.BENCH_WORKER_PROF !== undefined) execArgv.push('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_PROF}`);
  return fork(file, [...args], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** The first IPC message of `child` that satisfies `accept`, or a rejection if it exits first. */
export function nextMessage<T>(child: ChildProcess, accept: (message: unknown) => message is T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (!accept(message)) return;
      cleanup();
      resolve(message);
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`worker exited (code ${String(code)}, signal ${String(signal)}) before answering`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Asks a worker to stop and waits until it has. */
export async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.send({ type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

const formatNumber = (value: number | null): string => {
  if (value === null) return '—';
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 10_000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  if (abs === 0) return '0';
  return value.toPrecision(3);
};

const formatRatio = (ratio: number | null): string => (ratio === null ? '—' : `${ratio.toFixed(2)}×`);
const formatMet = (met: boolean | null): string => (met === null ? '—' : met ? 'yes' : '**no**');

/** The table as Markdown (it reads fine in a terminal too). */
export function formatTable(rows: readonly Row[]): string {
  const header = ['case', 'variant', 'median', 'unit', 'peer', 'peer median', 'ratio', 'goal', 'met?'];
  const lines = rows.map((r) => [
    r.case,
    r.variant,
    formatNumber(r.median),
    r.unit,
    r.peer ?? '—',
    formatNumber(r.peerMedian),
    formatRatio(r.ratio),
    r.goal,
    formatMet(r.met),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render)].join('\n');
}
