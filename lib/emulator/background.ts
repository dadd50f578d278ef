import { performance } from 'node:perf_hooks';
import type { HereNowCache } from './here-now-cache';
import type { Keyspaces } from './keyspaces';
import type { PresenceFeed } from './presence-feed';
import type { EmulatorClock } from './types';

/** How often (real ms) a background eviction pass starts. */
const EVICTION_INTERVAL_MS = 5_000;
/** Longest slice of a background pass before it yields to the event loop. */
const EVICTION_SLICE_MS = 3;
/** Steps between looks at the clock. */
const STEPS_PER_CHECK = 64;

/**
 * Drops what has gone idle, judged on the emulator's clock: channel message buffers past their
 * retention, keyspaces that hold nothing, expired here-now cache entries. So that subscribe keys
 * and channels that come and go leave no memory behind.
 *
 * A background pass starts every few seconds and runs in slices of a few milliseconds (with
 * 100,000 channels it takes a few turns of the event loop), so requests keep being answered;
 * {@link Eviction.runNow} does a whole pass at once (`Emulator.sweep()`).
 *
 * @example
 * ```ts
 * const eviction = new Eviction(keyspaces, feed, cache, clock);
 * eviction.start();
 * clock.advance(3_600_000);
 * eviction.runNow(); // everything idle for an hour is gone
 * eviction.stop();
 * ```
 */
export class Eviction {
  private pass: Generator<void, void, undefined> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private slice: NodeJS.Immediate | undefined;

  constructor(
    private readonly keyspaces: Keyspaces,
    private readonly feed: PresenceFeed,
    private readonly cache: HereNowCache,
    private readonly clock: EmulatorClock,
    /** Receives a line if a pass fails (it never should), instead of an exception in a timer. */
    private readonly log?: (line: string) => void,
  ) {}

  /** Starts the background passes. */
  start(): void {
    this.timer ??= setInterval(() => {
      if (this.pass === undefined) this.runSlice();
    }, EVICTION_INTERVAL_MS).unref();
  }

  /** Stops the background passes (for close). */
  stop(): void {
    clearInterval(this.timer);
    clearImmediate(this.slice);
    this.timer = undefined;
    this.slice = undefined;
    this.pass = undefined;
  }

  /** A whole pass, now, from the start (a background pass under way is dropped: it read the clock earlier). */
  runNow(): void {
    clearImmediate(this.slice);
    this.slice = undefined;
    this.pass = undefined;
    this.run(Infinity);
  }

  private runSlice(): void {
    this.slice = undefined;
    if (!this.run(performance.now() + EVICTION_SLICE_MS)) this.slice = setImmediate(() => this.runSlice()).unref();
  }

  /** Advances the current pass (starting one if none) until it ends or `deadline` passes; `true` once it ended. */
  private run(deadline: number): boolean {
    const pass = (this.pass ??= this.steps());
    try {
      for (let step = 1; ; step++) {
        if (pass.next().done) break;
        if (step % STEPS_PER_CHECK === 0 && performance.now() >= deadline) return false;
      }
    } catch (error) {
      // Runs outside any request: an exception here would end the process.
      this.log?.(`eviction failed: ${error instanceof Error ? error.stack : String(error)}`);
    }
    this.pass = undefined;
    return true;
  }

  private *steps(): Generator<void, void, undefined> {
    const now = this.clock.now();
    this.cache.purge(now);
    yield* this.feed.evictSteps(now);
    yield* this.keyspaces.evictSteps();
  }
}
