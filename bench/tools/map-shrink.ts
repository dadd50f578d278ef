/**
 * Measuring aid: the pauses of a `Map` shrinking. Fills a Map with `size` string keys, deletes them
 * one by one and prints every single `delete` that took over 1 ms, with the entries left: V8
 * rehashes into a smaller table as the Map empties, in one go. The emulator's large maps (the
 * store's channels, the feed's per-channel state) empty this way at the end of a mass expiry.
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
