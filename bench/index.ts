/**
 * `npm run bench`: rx-presence against its peers, measured side by side in one run (issue 6).
 *
 *   npm run bench                         # full run, prints the table (progress on stderr)
 *   npm run bench -- --quick              # small version, under 30 s
 *   npm run bench -- --smoke              # every case and row, numbers meaningless (spec/bench.spec.ts)
 *   npm run bench -- --json out.json      # also writes the rows as JSON
 *   npm run bench -- --only diff,emulator-scale
 *
 * Cases: diff, client-overhead, request-economy, emulator-throughput, emulator-scale, event-latency,
 * bundle-size. See
 * BENCHMARKS.md for what each measures and the latest results.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { runBundleSize } from './cases/bundle-size';
import { runClientOverhead } from './cases/client-overhead';
import { runDiff } from './cases/diff';
import { runEmulatorScale } from './cases/emulator-scale';
import { runEmulatorThroughput } from './cases/emulator-throughput';
import { runEventLatency } from './cases/event-latency';
import { runRequestEconomy } from './cases/request-economy';
import { CASES, formatTable, type BenchContext, type CaseName, type Row } from './harness';

const RUNNERS: Record<CaseName, (ctx: BenchContext) => Promise<Row[]>> = {
  diff: runDiff,
  'client-overhead': runClientOverhead,
  'request-economy': runRequestEconomy,
  'emulator-throughput': runEmulatorThroughput,
  'emulator-scale': runEmulatorScale,
  'event-latency': runEventLatency,
  'bundle-size': runBundleSize,
};

interface Args {
  readonly quick: boolean;
  readonly smoke: boolean;
  readonly json: string | undefined;
  readonly only: readonly CaseName[];
}

function parseArgs(argv: readonly string[]): Args {
  let quick = false;
  let smoke = false;
  let json: string | undefined;
  let only: CaseName[] = [...CASES];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--smoke') smoke = quick = true;
    else if (arg === '--json') json = argv[++i];
    else if (arg.startsWith('--json=')) json = arg.slice('--json='.length);
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const list = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      only = (list ?? '').split(',').filter((name) => name !== '') as CaseName[];
      const unknown = only.filter((name) => !CASES.includes(name));
      if (unknown.length > 0) throw new Error(`unknown case(s): ${unknown.join(', ')}; known: ${CASES.join(', ')}`);
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: npm run bench -- [--quick | --smoke] [--json <file>] [--only <case,…>]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  if (json === '') throw new Error('--json needs a file name');
  return { quick, smoke, json, only };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const ctx: BenchContext = { quick: args.quick, smoke: args.smoke, log: (line) => process.stderr.write(`[bench] ${line}\n`) };
  const rows: Row[] = [];
  const durations: Partial<Record<CaseName, number>> = {};
  for (const name of args.only) {
    const caseStarted = performance.now();
    ctx.log(`${name}…`);
    rows.push(...(await RUNNERS[name](ctx)));
    durations[name] = Math.round(performance.now() - caseStarted);
    ctx.log(`${name} done in ${(durations[name] / 1000).toFixed(1)} s`);
  }
  const totalMs = Math.round(performance.now() - started);
  process.stdout.write(`${formatTable(rows)}\n`);
  const missed = rows.filter((r) => r.met === false).length;
  const judged = rows.filter((r) => r.met !== null).length;
  process.stdout.write(`\n${judged - missed}/${judged} goals met; ${args.smoke ? 'smoke' : args.quick ? 'quick' : 'full'} run took ${(totalMs / 1000).toFixed(1)} s\n`);
  if (args.json !== undefined) {
    const report = {
      quick: args.quick,
      smoke: args.smoke,
      date: new Date().toISOString(),
      machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryBytes: totalmem(), platform: process.platform },
      durationMs: { total: totalMs, ...durations },
      cases: args.only,
      rows,
    };
    writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
  }
}

main().then(
  // Workers and sockets are closed by the cases; exit anyway so a stray handle cannot hang CI.
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
