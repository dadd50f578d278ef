/**
 * Keeps `npm run bench` from rotting: runs its smoke version (every case and row, the smallest
 * sizes) in a child process, under tsx's loader as `npm run bench` does, and checks the shape of
 * what it reports. No timing is asserted: timings belong in
 * BENCHMARKS.md, not in a test that runs on shared CI machines.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CASES = ['diff', 'client-overhead', 'request-economy', 'emulator-throughput', 'emulator-scale', 'event-latency', 'bundle-size'];

interface Row {
  case: string;
  variant: string;
  median: number;
  unit: string;
  peer: string | null;
  peerMedian: number | null;
  ratio: number | null;
  goal: string;
  met: boolean | null;
  samples: number[];
  peerSamples: number[];
}

interface Report {
  quick: boolean;
  smoke: boolean;
  machine: { node: string; cpus: number };
  durationMs: Record<string, number>;
  cases: string[];
  rows: Row[];
}

let report: Report;
let stdout: string;
const dir = mkdtempSync(join(tmpdir(), 'rx-presence-bench-'));

beforeAll(async () => {
  const json = join(dir, 'smoke.json');
  stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      // The loader in this one process (tsx's CLI would start a second); the bench's workers inherit it.
      ['--require', require.resolve('tsx/cjs'), 'bench/index.ts', '--smoke', '--json', json],
      { cwd: join(__dirname, '..'), timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
      (error, out, err) => (error ? reject(new Error(`bench --smoke failed: ${error.message}\n${err}`)) : resolve(out)),
    );
  });
  report = JSON.parse(readFileSync(json, 'utf8')) as Report;
}, 100_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const finite = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);

it('reports every case, in order, from a smoke run', () => {
  expect(report.smoke).toBe(true);
  expect(report.quick).toBe(true);
  expect(report.cases).toEqual(CASES);
  expect([...new Set(report.rows.map((r) => r.case))]).toEqual(CASES);
  expect(finite(report.durationMs.total)).toBe(true);
  expect(report.machine.cpus).toBeGreaterThan(0);
});

it('gives every row finite numbers, a unit and a goal', () => {
  for (const r of report.rows) {
    const where = `${r.case} / ${r.variant}`;
    expect({ where, variant: typeof r.variant, unit: typeof r.unit, goal: typeof r.goal }).toEqual({
      where,
      variant: 'string',
      unit: 'string',
      goal: 'string',
    });
    expect(r.variant.length * r.unit.length * r.goal.length).toBeGreaterThan(0);
    expect({ where, median: finite(r.median), samples: r.samples.length > 0 && r.samples.every(finite) }).toEqual({
      where,
      median: true,
      samples: true,
    });
    expect([true, false, null]).toContain(r.met);
  }
});

it('compares with a peer where there is one, and the ratio is ours over theirs', () => {
  for (const r of report.rows) {
    if (r.peer === null) {
      expect({ peerMedian: r.peerMedian, ratio: r.ratio }).toEqual({ peerMedian: null, ratio: null });
      continue;
    }
    expect(typeof r.peer).toBe('string');
    expect(finite(r.peerMedian) && finite(r.ratio)).toBe(true);
    expect(r.ratio).toBeCloseTo(r.median / (r.peerMedian as number), 6);
  }
});

it('judges at least one goal in every case', () => {
  for (const name of CASES) {
    expect({ name, judged: report.rows.some((r) => r.case === name && r.met !== null) }).toEqual({ name, judged: true });
  }
});

it('prints the same rows as a table', () => {
  expect(stdout).toContain('| case');
  expect(stdout).toContain('| met?');
  const tableRows = stdout.split('\n').filter((line) => CASES.some((name) => line.startsWith(`| ${name} `)));
  expect(tableRows).toHaveLength(report.rows.length);
  expect(stdout).toMatch(/\d+\/\d+ goals met; smoke run took/);
});
