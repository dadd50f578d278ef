import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const squash = (line: string) => line.trim().replace(/\s+/g, ' ');

/**
 * Every TypeScript snippet in the README names the file it is quoted from on its first line, and
 * its lines appear there, in order and together. Those files are run by the examples spec (or are
 * specs themselves, or fixtures that specs run, or bench pages that the bench bundles and
 * `npm run typecheck` checks), so no snippet can go stale.
 */
describe('README snippets', () => {
  it('there are snippets', () => {
    expect(blocks.length).toBeGreaterThan(10);
  });

  it.each(blocks.map((block, i) => [i + 1, block.split('\n')[0], block] as const))('snippet %i (%s) is quoted from a tested file', (_i, first, block) => {
    const source = /^\/\/ ((?:examples|spec|bench\/pages)\/[\w/.-]+\.ts)$/.exec(first)?.[1];
    expect(source).toBeDefined();
    expect(existsSync(join(root, source!))).toBe(true);
    const fileLines = readFileSync(join(root, source!), 'utf8').split('\n').map(squash);
    const quoted = block.split('\n').slice(1).map(squash).filter(Boolean);
    const start = fileLines.indexOf(quoted[0]);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(fileLines.slice(start).filter(Boolean).slice(0, quoted.length)).toEqual(quoted);
  });
});
