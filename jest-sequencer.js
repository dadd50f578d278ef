// Starts the long poles first, busy ones and waiting ones mostly in turns (the longest waiting ones
// a little earlier). With a few workers the suite takes as long as its slowest worker: a 40-second
// file picked up last would run alone at the end while the other workers sit idle. And the suite is
// CPU-bound on two cores, except when every worker happens to hold a file that mostly waits (on the
// wall clock, an outage, a presence timeout): a fresh-clone run that took the waiting files one
// after the other left the CPU 35–94% idle for 40 s. Taken in turns, a waiting file runs beside
// busy ones and its waits cost nothing.
//
// Jest's own sequencer orders by the durations it cached on the last run, but a fresh clone (CI,
// `npm ci && npm test`) has no cache and falls back to file size, which says little here (the
// slow files are the ones that run child processes or wait on the wall clock, not the long ones).
// So: the files known to be slow, in this order, then the rest in Jest's order. A file missing
// from the list only starts later; keep the list to the twenty or so that matter.
const Sequencer = require('@jest/test-sequencer').default;
const { relative, sep } = require('node:path');

/**
 * Seconds of wall time and CPU when run alone (`/usr/bin/time npx jest <file>`, 2-core machine,
 * 2026-12-06): busy files use about as much CPU as wall time (or more, with child processes);
 * waiting files use a fraction of it.
 */
const LONG_POLES = [
  'spec/consumer/package.spec.ts', // busy: 18 s, 31 s CPU
  'spec/integration/roster.spec.ts', // waits: 23 s, 4 s CPU
  'spec/browser/tabs.spec.ts', // busy: 29 s, 15 s CPU (Chromium)
  'spec/reliability/faults.spec.ts', // waits: 18 s, 4 s CPU
  'spec/integration/streams.spec.ts', // waits: 17 s, 3 s CPU
  'spec/reliability/hostile-input.spec.ts', // busy: 12 s, 13 s CPU
  'spec/integration/events.spec.ts', // waits: 16 s, 3 s CPU
  'spec/examples.spec.ts', // busy: 17 s, 17 s CPU
  'spec/demo.spec.ts', // waits: 12 s, 3 s CPU
  'spec/reliability/leaks.spec.ts', // busy: 11 s, 10 s CPU
  'spec/cli/failures.spec.ts', // waits: 11 s, 6 s CPU
  'spec/bench.spec.ts', // busy: 16 s, 10 s CPU
  'spec/emulator/subscribe-sdk.spec.ts', // waits: 10 s, 3 s CPU
  'spec/cli/cli.spec.ts', // busy: 15 s, 8 s CPU
  'spec/reliability/soak.spec.ts', // waits: 8 s, 3 s CPU
  'spec/readme.spec.ts', // busy: 11 s, 10 s CPU
  'spec/browser/page-hide.spec.ts', // busy-ish: 7 s, 6 s CPU (Chromium)
  'spec/reliability/state-roundtrip.spec.ts', // busy: 7 s, 8 s CPU
  'spec/emulator/hostile-state.spec.ts', // waits: 7 s, 2 s CPU
  'spec/docs.spec.ts', // busy: 6 s, 8 s CPU
  'spec/streams/diff-occupancy.spec.ts', // busy: 6 s, 7 s CPU
  'spec/browser/chromium.spec.ts', // 4 s
  'spec/streams/leave-on-exit.spec.ts', // 1 s, but it ended the run when started last
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
