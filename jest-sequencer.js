// Starts the long poles first. With a few workers the suite takes as long as its slowest worker:
// a 40-second file picked up last would run alone at the end while the other workers sit idle.
// Jest's own sequencer orders by the durations it cached on the last run, but a fresh clone (CI,
// `npm ci && npm test`) has no cache and falls back to file size, which says little here (the
// slow files are the ones that run child processes or wait on the wall clock, not the long ones).
// So: the files known to be slow, slowest first, then the rest in Jest's order. A file missing
// from the list only starts later; keep the list to the ten or so that matter.
const Sequencer = require('@jest/test-sequencer').default;
const { relative, sep } = require('node:path');

/** Slowest first (per-file seconds of `npm test` on a fresh clone, 2-core machine, 3 workers, 2026-12-06). */
const LONG_POLES = [
  'spec/reliability/hostile-input.spec.ts', // 109
  'spec/reliability/leaks.spec.ts', // 64
  'spec/bench.spec.ts', // 44
  'spec/examples.spec.ts', // 41
  'spec/consumer/package.spec.ts', // 39
  'spec/browser/tabs.spec.ts', // 37
  'spec/cli/cli.spec.ts', // 37
  'spec/reliability/state-roundtrip.spec.ts', // 29
  'spec/readme.spec.ts', // 23
  'spec/integration/roster.spec.ts', // 22
  'spec/reliability/faults.spec.ts', // 16
  'spec/integration/streams.spec.ts', // 16
  'spec/integration/events.spec.ts', // 15
  'spec/cli/failures.spec.ts', // 12
  'spec/demo.spec.ts', // 12
  'spec/browser/page-hide.spec.ts', // 10
  'spec/emulator/subscribe-sdk.spec.ts', // 7
  'spec/reliability/soak.spec.ts', // 7
  'spec/browser/chromium.spec.ts', // 7
  'spec/streams/leave-on-exit.spec.ts', // 5, but it ended the run when started last
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
