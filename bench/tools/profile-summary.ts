/**
 * Summarises a `.cpuprofile` (from `node --cpu-prof`): the functions with the most self time, and
 * the most inclusive time spent under each function of `lib/`. Used to find the hot spots
 * BENCHMARKS.md reports.
 *
 *   npx tsx bench/tools/profile-summary.ts <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

process.stdout.on('error', () => process.exit(0)); // e.g. piped into head
const [file, topArg = '25'] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: profile-summary <file.cpuprofile> [top]\n');
  process.exit(2);
}
const top = Number(topArg);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

// Self time per node from the sample stream (timeDeltas[i] is the time before sample i).
const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const next = profile.timeDeltas[i + 1] ?? 0;
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + next);
}
/** Paths are shown relative to the project; only its own `lib/` counts for the inclusive table. */
const ROOT = `${process.cwd()}/`;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const label = (node: ProfileNode): string => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^file:\/\//, '').replace(ROOT, '');
  return `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
};

const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  self.set(label(node), (self.get(label(node)) ?? 0) + us);
  // Each distinct lib/ function on the stack gets the sample once.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)!;
    if (!frame.callFrame.url.replace(/^file:\/\//, '').startsWith(`${ROOT}lib/`)) continue;
    const name = label(frame);
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + us);
  }
}
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
const print = (title: string, map: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${pct(us)}  ${(us / 1000).toFixed(1).padStart(9)} ms  ${name}\n`);
  }
};
process.stdout.write(`${file}: ${(total / 1000).toFixed(0)} ms sampled\n`);
// Self time by where the code lives: our lib/, each package, Node's internals, native/GC/idle.
const area = (node: ProfileNode): string => {
  const url = node.callFrame.url.replace(/^file:\/\//, '');
  if (url === '') return node.callFrame.functionName.startsWith('(') ? node.callFrame.functionName : '(native/builtin)';
  if (url.startsWith(`${ROOT}lib/`)) return 'lib/ (ours)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `node_modules/${pkg[1]}`;
  if (url.startsWith('node:')) return 'node: internals';
  return url.replace(ROOT, '');
};
const byArea = new Map<string, number>();
for (const [id, us] of selfUs) {
  const name = area(byId.get(id)!);
  byArea.set(name, (byArea.get(name) ?? 0) + us);
}
print('self time', self);
print('self time by area', byArea);
print('inclusive time under lib/ functions', inclusive);
