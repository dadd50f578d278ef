/**
 * The emulator's background work (`lib/emulator/background.ts`) on stand-ins for the store and the
 * feed whose every slice is recorded: one slice per turn of the event loop whatever the kind of
 * work, kinds taking turns, a pass not restarted while it runs, and nothing after stop().
 */
import { performance } from 'node:perf_hooks';
import { Background } from '../../lib/emulator/background';
import type { HereNowCache } from '../../lib/emulator/endpoints/here-now-cache';
import type { Keyspaces } from '../../lib/emulator/model/keyspaces';
import type { PresenceFeed } from '../../lib/emulator/model/presence-feed';

/** Spins for `ms`: a step of work that takes real time. */
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

interface Slice {
  readonly kind: 'expiry' | 'interval';
  /** Which turn of the event loop it ran in (see `turnCounter`). */
  readonly turn: number;
  /** Expiry: the time budget the sweep was given (ms). */
  readonly budgetMs?: number;
  /** Interval: how many steps of the pass ran in it. */
  steps?: number;
}

/**
 * Counts turns of the event loop: an immediate that queues the next one runs once per turn, as
 * the background's own queue does, so two slices with the same count ran in the same turn.
 */
function turnCounter(): { readonly now: () => number; stop(): void } {
  let turn = 0;
  let next: NodeJS.Immediate | undefined;
  const tick = () => {
    turn++;
    next = setImmediate(tick);
  };
  next = setImmediate(tick);
  return { now: () => turn, stop: () => clearImmediate(next) };
}

function world(options: { sweepsUntilDrained: number; intervalSteps: number }) {
  const slices: Slice[] = [];
  const turns = turnCounter();
  let sweeps = 0;
  let passes = 0;
  let running = false;
  let overlaps = 0;
  let inRequest = false;
  const keyspaces = {
    sweep: (_budget?: number, timeBudgetMs = Infinity) => {
      // A request's own sweep is not a background slice.
      if (!inRequest) slices.push({ kind: 'expiry', turn: turns.now(), budgetMs: timeBudgetMs });
      busy(1);
      return ++sweeps >= options.sweepsUntilDrained;
    },
    *evictSteps() {},
  } as unknown as Keyspaces;
  const feed = {
    *tickSteps() {
      passes++;
      if (running) overlaps++;
      running = true;
      for (let i = 0; i < options.intervalSteps; i++) {
        busy(1);
        // One record per slice: the first step, or the first after a turn boundary.
        const last = slices.at(-1);
        if (last?.kind === 'interval' && last.turn === turns.now()) last.steps!++;
        else slices.push({ kind: 'interval', turn: turns.now(), steps: 1 });
        yield;
      }
      running = false;
    },
    *evictSteps() {},
  } as unknown as PresenceFeed;
  const failures: unknown[] = [];
  const background = new Background({
    keyspaces,
    feed,
    cache: { purge: () => undefined } as unknown as HereNowCache,
    clock: { now: () => Date.now() },
    presenceIntervalMs: 5,
    failed: (what, error) => failures.push([what, error]),
  });
  /** What the server does before it answers a request. */
  const request = () => {
    inRequest = true;
    try {
      background.beforeRequest();
    } finally {
      inRequest = false;
    }
  };
  return { background, request, slices, turns, failures, passes: () => passes, overlaps: () => overlaps };
}

const waitUntil = async (done: () => boolean, ms = 5_000) => {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
};

it('runs one slice per turn of the event loop, expiry and an interval pass taking turns', async () => {
  // An interval pass of 200 steps of 1 ms (a slice each), so that it is still under way for all
  // of the 7 expiry slices, however late this test's own timers run.
  const { background, request, slices, turns, failures } = world({ sweepsUntilDrained: 8, intervalSteps: 200 });
  background.start();
  await waitUntil(() => slices.some((s) => s.kind === 'interval')); // the pass has begun
  request(); // a mass timeout: the request's sweep does not drain it, expiry is queued
  await waitUntil(() => slices.filter((s) => s.kind === 'expiry').length >= 7);
  background.stop();
  turns.stop();

  // Never two slices in one turn.
  const perTurn = new Map<number, number>();
  for (const s of slices) perTurn.set(s.turn, (perTurn.get(s.turn) ?? 0) + 1);
  expect([...perTurn.values()].filter((n) => n > 1)).toEqual([]);
  // Each slice is time-boxed: expiry is given a budget of a few ms at most, and a pass stops at
  // its deadline (a step takes 1 ms here, so a slice of about a millisecond runs one or two).
  expect(slices.filter((s) => s.kind === 'expiry' && !(s.budgetMs! > 0 && s.budgetMs! <= 3))).toEqual([]);
  expect(slices.filter((s) => s.kind === 'interval' && s.steps! > 3)).toEqual([]);
  // While both were queued they alternated: between the first and the last expiry slice, no two
  // expiry slices in a row.
  const kinds = slices.map((s) => s.kind);
  const between = kinds.slice(kinds.indexOf('expiry'), kinds.lastIndexOf('expiry') + 1).join(' ');
  expect(between).not.toContain('expiry expiry');
  expect(between.split(' ').filter((kind) => kind === 'expiry')).toHaveLength(7);
  expect(failures).toEqual([]);
});

it('starts an interval pass only once the last one has ended, and does nothing after stop()', async () => {
  // A pass is 15 steps of 1 ms, a slice each: longer than the 5 ms timer period, so the timer
  // fires while a pass runs, and must leave it be.
  const { background, slices, turns, passes, overlaps } = world({ sweepsUntilDrained: 1, intervalSteps: 15 });
  background.start();
  await waitUntil(() => passes() >= 3);
  expect(overlaps()).toBe(0);
  background.stop();
  const stoppedAt = slices.length;
  await new Promise((resolve) => setTimeout(resolve, 50));
  turns.stop();
  expect(slices.length).toBe(stoppedAt);
});
