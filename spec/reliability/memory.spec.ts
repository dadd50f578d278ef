/**
 * Issue 13, defect 3 (and "what it must show", point 3): memory that never came back. Every new
 * subscribe key kept about 51 KB after its users timed out, and per-channel event logs were never
 * dropped, so 5,000 keys and 100k channels that came and went left hundreds of MB behind (307 MB
 * here before the fix). Now idle keyspaces and event logs are dropped, on the emulator's injected
 * clock, and the heap returns to its baseline.
 *
 * The scenario runs in a child process started with `--expose-gc` (memory-scenario.ts), so the heap
 * is measured after real full collections and nothing else in the jest worker moves it.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIG_STATES, CHANNELS, KEYSPACES, type MemoryReport } from './memory-scenario';

const run = promisify(execFile);

it(`${KEYSPACES.toLocaleString('en')} keyspaces, ${CHANNELS.toLocaleString('en')} channels and ${BIG_STATES.toLocaleString('en')} 30 KB states come and go: the heap returns within 20 MB of its baseline`, async () => {
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', join(__dirname, 'memory-scenario.ts')], {
    cwd: join(__dirname, '..', '..'),
    timeout: 60_000,
  });
  const report = JSON.parse(stdout.trim().split('\n').pop()!) as MemoryReport;

  // The scenario must have cost something for the check to mean anything.
  expect(report.peakMB - report.baselineMB).toBeGreaterThan(60);
  expect(report.retained).toEqual({ keyspaces: 0, eventLogs: 0, parkedStates: 0 });
  // In MB, so that a failure shows how much stayed.
  expect(report.afterMB - report.baselineMB).toBeLessThan(20);
}, 60_000);
