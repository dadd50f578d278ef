/**
 * Measuring aid: how long this host takes the CPU away from a busy process. Spins for `ms`
 * milliseconds reading `performance.now()` and prints the gaps between two readings longer than
 * 1 ms: with nothing of ours to run, every such gap is the host's (preemption, other tenants,
 * interrupts). It is the floor under any event-loop stall the bench measures. Run one copy alone,
 * then two at once to see the floor with both cores busy, as during the scale case:
 *
 *   npx tsx bench/tools/host-jitter.ts 30000
 *   npx tsx bench/tools/host-jitter.ts 10000 & npx tsx bench/tools/host-jitter.ts 10000; wait
 */
import { performance } from 'node:perf_hooks';

const ms = Number(process.argv[2] ?? 10_000);
const end = performance.now() + ms;
const gaps: number[] = [];
let last = performance.now();
for (let now = last; now < end; now = performance.now()) {
  if (now - last > 1) gaps.push(now - last);
  last = now;
}
gaps.sort((a, b) => b - a);
process.stdout.write(`${ms} ms: ${gaps.length} gaps over 1 ms; longest ${gaps.slice(0, 8).map((gap) => gap.toFixed(1)).join(' ') || '-'} ms\n`);
