/**
 * Measuring aid: the pauses of a `Map` shrinking. Fills a Map with `size` string keys, deletes them
 * one by one and prints every single `delete` that took over 1 ms, with the entries left: V8
 * rehashes into a smaller table as the Map empties, in one go. It showed why the emulator keeps
 * no single map of a million entries (its uuid index is split over 256 maps): at 1 M one delete
 * takes up to 60 ms, at 10,000 entries none over 1 ms (BENCHMARKS.md, issue 16's sixth round).
 *
 *   npx tsx bench/tools/map-shrink.ts 1000000
 */
import { performance } from 'node:perf_hooks';

const size = Number(process.argv[2] ?? 1_000_000);
const keys = Array.from({ length: size }, (_, i) => `user-${i}`);
const map = new Map<string, number>(keys.map((key, i) => [key, i]));
const slow: string[] = [];
for (const key of keys) {
  const started = performance.now();
  map.delete(key);
  const took = performance.now() - started;
  if (took > 1) slow.push(`${took.toFixed(1)} ms at ${map.size} left`);
}
process.stdout.write(`${size} entries: ${slow.length} deletes over 1 ms${slow.length > 0 ? `: ${slow.join(', ')}` : ''}\n`);
