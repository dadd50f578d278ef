// Starts the long poles first. With a few workers the suite takes as long as its slowest worker:
// a 40-second file picked up last would run alone at the end while the other workers sit idle.
// Jest's own sequencer orders by the durations it cached on the last run, but a fresh clone (CI,
// `npm ci && npm test`) has no cache and falls back to file size, which says little here (the
// slow files are the ones that run child processes or wait on the wall clock, not the long ones).
// So: the files known to be slow, slowest first, then the rest in Jest's order. A file missing
// from the list only starts later; keep the list to the ten or so that matter.
const Sequencer = require('@jest/test-sequencer').default;
const { relative, sep } = require('node:path');

/** Slowest first (per-file times of a full run on the 2-core machine, 3 workers, 2026-12-06). */
const LONG_POLES = [
  'spec/reliability/leaks.spec.ts',
  'spec/reliability/hostile-input.spec.ts',
  'spec/examples.spec.ts',
  'spec/bench.spec.ts',
  'spec/consumer/package.spec.ts',
  'spec/readme.spec.ts',
  'spec/cli/cli.spec.ts',
  'spec/reliability/state-roundtrip.spec.ts',
  'spec/browser/tabs.spec.ts',
  'spec/demo.spec.ts',
  'spec/reliability/memory.spec.ts',
  'spec/streams/diff-occupancy.spec.ts',
  'spec/cli/failures.spec.ts',
  'spec/docs.spec.ts',
  'spec/reliability/faults.spec.ts',
  'spec/browser/chromium.spec.ts',
  'spec/browser/page-hide.spec.ts',
  'spec/integration/streams.spec.ts',
  'spec/integration/events.spec.ts',
];

class LongPolesFirst extends Sequencer {
  sort(tests) {
    const rank = (test) => {
      const index = LONG_POLES.indexOf(relative(test.context.config.rootDir, test.path).split(sep).join('/'));
      return index === -1 ? LONG_POLES.length : index;
    };
    const ordered = super.sort(tests);
    const position = new Map(ordered.map((test, i) => [test, i]));
    return [...ordered].sort((a, b) => rank(a) - rank(b) || position.get(a) - position.get(b));
  }
}

module.exports = LongPolesFirst;
