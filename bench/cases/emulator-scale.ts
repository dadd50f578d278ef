/**
 * Case 5: the emulator at 10,000 / 100,000 / 1,000,000 occupants, 100 to a channel (so 100 /
 * 1,000 / 10,000 channels; 100,000 over 1,000 channels is issue 2's scale). Each size runs in a
 * fresh worker process (see `workers/scale.ts` for the method):
 *
 * - here-now (one channel) and where-now (one uuid) latency over HTTP, against the smallest size:
 *   "flat in the number of channels" is judged as at most 1.5× the smallest size's median;
 * - heap per occupant (information);
 * - the longest event-loop stall while everyone times out at once, as the running emulator expires
 *   them (goal: no stall over 10 ms); and one explicit `sweep()` of everyone, for comparison.
 */
import { forkWorker, median, nextMessage, percentile, row, type BenchContext, type Row } from '../harness';
import type { ScaleResult } from '../workers/scale';

const PER_CHANNEL = 100;
const FLAT = 1.5;
const MAX_STALL_MS = 10;

async function runSize(occupants: number, samples: number, expiryReps: number): Promise<ScaleResult> {
  const heapMb = occupants >= 1_000_000 ? 6144 : 2048;
  const worker = forkWorker(
    `${__dirname}/../workers/scale.ts`,
    [String(occupants), String(PER_CHANNEL), String(samples), String(expiryReps)],
    ['--expose-gc', `--max-old-space-size=${heapMb}`],
  );
  return nextMessage(worker, (m): m is ScaleResult => (m as { type?: string }).type === 'result');
}

const count = (n: number) => n.toLocaleString('en-US');

const worstGc = (result: ScaleResult): string => {
  const worst = result.expiries.reduce((a, b) => (b.maxGcMs > a.maxGcMs ? b : a));
  return `${worst.maxGcMs.toFixed(1)} ms (${worst.maxGcKind || 'none'})`;
};

export async function runEmulatorScale(ctx: BenchContext): Promise<Row[]> {
  const sizes = ctx.smoke ? [2_000, 5_000] : ctx.quick ? [10_000, 50_000] : [10_000, 100_000, 1_000_000];
  const samples = ctx.smoke ? 50 : ctx.quick ? 300 : 2_000;
  const expiryReps = ctx.smoke ? 1 : ctx.quick ? 2 : 4;
  const results: ScaleResult[] = [];
  for (const occupants of sizes) {
    ctx.log(`emulator scale: ${count(occupants)} occupants`);
    results.push(await runSize(occupants, samples, expiryReps));
  }
  const rows: Row[] = [];
  const base = results[0];
  for (const kind of ['here-now', 'where-now'] as const) {
    const samplesOf = (r: ScaleResult) => (kind === 'here-now' ? r.hereNowUs : r.whereNowUs);
    for (const result of results) {
      const where = `${count(result.occupants)} occupants / ${count(result.channels)} channels`;
      const what = kind === 'here-now' ? `here-now of 1 channel (${PER_CHANNEL} uuids)` : 'where-now of 1 uuid';
      const note = `p99 ${(percentile(samplesOf(result), 99)).toFixed(0)} µs over ${samplesOf(result).length} requests`;
      rows.push(
        result === base
          ? row({ case: 'emulator-scale', variant: `${what}, ${where}`, samples: samplesOf(result), unit: 'µs', goal: 'baseline for flatness', note })
          : row({
              case: 'emulator-scale',
              variant: `${what}, ${where}`,
              samples: samplesOf(result),
              unit: 'µs',
              peer: `same at ${count(base.occupants)} occupants`,
              peerSamples: samplesOf(base),
              goal: `flat: ≤ ${FLAT}× peer`,
              check: (ratio) => ratio <= FLAT,
              note,
            }),
      );
    }
  }
  for (const result of results) {
    rows.push(
      row({
        case: 'emulator-scale',
        variant: `heap per occupant, ${count(result.occupants)} occupants`,
        samples: [result.heapBytesPerOccupant],
        unit: 'bytes',
        goal: 'information',
        note: `RSS ${result.rssBytesPerOccupant.toFixed(0)} bytes per occupant; store filled in ${result.populateMs.toFixed(0)} ms`,
      }),
    );
  }
  for (const result of results) {
    const stalls = result.expiries.map((e) => e.maxStallMs);
    rows.push(
      row({
        case: 'emulator-scale',
        variant: `longest event-loop stall, ${count(result.occupants)} time out at once (background + per-request sweep)`,
        samples: stalls,
        unit: 'ms',
        goal: `every repetition ≤ ${MAX_STALL_MS} ms`,
        check: () => Math.max(...stalls) <= MAX_STALL_MS,
        note:
          `worst of ${stalls.length}: ${Math.max(...stalls).toFixed(1)} ms; ` +
          `monitorEventLoopDelay max ${median(result.expiries.map((e) => e.histogramMaxMs)).toFixed(1)} ms; ` +
          `all expired in ${median(result.expiries.map((e) => e.wallMs)).toFixed(0)} ms; ` +
          `${median(result.expiries.map((e) => e.requests)).toFixed(0)} here-now served meanwhile, slowest ${median(result.expiries.map((e) => e.maxRequestMs)).toFixed(1)} ms; ` +
          `longest expiry slice ${Math.max(...result.expiries.map((e) => e.maxSliceMs)).toFixed(1)} ms (of ${median(result.expiries.map((e) => e.slices)).toFixed(0)}); ` +
          `longest GC pause ${worstGc(result)}`,
      }),
    );
  }
  for (const result of results) {
    rows.push(
      row({
        case: 'emulator-scale',
        variant: `explicit emulator.sweep() of ${count(result.occupants)} expired (one synchronous call, for tests)`,
        samples: [result.explicitSweepMs],
        unit: 'ms',
        goal: 'information',
      }),
    );
  }
  return rows;
}
