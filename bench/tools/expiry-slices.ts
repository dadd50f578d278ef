/**
 * Profiling aid: how long each expiry slice takes during a mass timeout. Puts `occupants` uuids
 * (100 to a channel) in the store, jumps the clock past their timeout, then calls
 * `keyspaces.sweep(budget)` (what the emulator's background sweep does once per turn of the event
 * loop) until everyone is gone, and prints the slice-time distribution and the slowest slices.
 *
 *   node --expose-gc --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/tools/expiry-slices.ts 1000000 5000
 */
import { performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { EmulatorServer } from '../../lib/emulator/server';

async function main(): Promise<void> {
  const occupants = Number(process.argv[2] ?? 1_000_000);
  const budget = Number(process.argv[3] ?? 5_000);
  let now = Date.UTC(2030, 0, 1);
  const emulator = await EmulatorServer.start({ clock: { now: () => now } });
  const { presence } = emulator.keyspaces.write('sub-c-slices');
  const channels = Math.max(1, occupants / 100);
  for (let i = 0; i < occupants; i++) presence.heartbeat(`user-${i}`, [`ch-${i % channels}`], 300);
  (globalThis as { gc?: () => void }).gc?.();
  now += 301_000;
  const gcs: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => gcs.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const slices: { ms: number; size: number; start: number }[] = [];
  for (let drained = false; !drained; ) {
    const size = presence.size;
    const started = performance.now();
    drained = emulator.keyspaces.sweep(budget);
    slices.push({ ms: performance.now() - started, size, start: started });
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  // GC time that fell inside each slice.
  const gcIn = (slice: { ms: number; start: number }) =>
    gcs.filter((g) => g.startTime >= slice.start && g.startTime < slice.start + slice.ms).reduce((sum, g) => sum + g.duration, 0);
  const sorted = slices.map((s) => s.ms).sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(2);
  process.stdout.write(
    `${occupants} occupants, slices of ${budget}: ${slices.length} slices, total ${sorted.reduce((a, b) => a + b, 0).toFixed(0)} ms; ` +
      `median ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${at(1)} ms; GC inside slices ${slices.reduce((sum, s) => sum + gcIn(s), 0).toFixed(0)} ms\n`,
  );
  for (const slice of [...slices].sort((a, b) => b.ms - a.ms).slice(0, 8)) {
    process.stdout.write(`  ${slice.ms.toFixed(2)} ms (GC ${gcIn(slice).toFixed(2)} ms) with ${slice.size} occupants left before the slice\n`);
  }
  await emulator.close();
}

void main();
