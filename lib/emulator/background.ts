/**
 * The emulator's work outside requests: presence expiry, eviction of what has gone idle, and the
 * `interval` messages of busy channels. Expiry and eviction run in slices of a few milliseconds,
 * one per turn of the event loop, so that a mass timeout (say a million occupants at once) or a
 * pass over 100,000 idle channels never stalls the requests meanwhile.
 */
import { performance } from 'node:perf_hooks';
import type { HereNowCache } from './endpoints/here-now-cache';
import type { Keyspaces } from './model/keyspaces';
import type { PresenceFeed } from './model/presence-feed';
import type { EmulatorClock } from './types';

/** How often (real ms) a background expiry slice is scheduled. */
const SWEEP_INTERVAL_MS = 1000;
/** How long one slice of expiry or eviction may run before it yields to the event loop. */
const SLICE_MS = 3;
/**
 * The expiry a request does before it is answered, when no background slice is pending. Short:
 * a background slice may follow in the same turn of the event loop.
 */
const REQUEST_SWEEP_MS = 1;
/** How often (real ms) a background eviction pass starts. */
const EVICTION_INTERVAL_MS = 5_000;
/** Eviction steps between looks at the clock. */
const STEPS_PER_CHECK = 64;

/**
 * Work done in slices: `step(sliceMs)` does at most about `sliceMs` of it and says whether it is
 * done; if not, the next slice follows on the next turn of the event loop (`setImmediate`), so
 * there is at most one slice per turn.
 */
class Slices {
  private next: NodeJS.Immediate | undefined;

  constructor(
    private readonly step: (sliceMs: number) => boolean,
    private readonly guard: (work: () => void) => void,
  ) {}

  /** Whether a slice is waiting for its turn. */
  get pending(): boolean {
    return this.next !== undefined;
  }

  schedule(): void {
    this.next ??= setImmediate(() => {
      this.next = undefined;
      this.guard(() => {
        if (!this.step(SLICE_MS)) this.schedule();
      });
    }).unref();
  }

  cancel(): void {
    clearImmediate(this.next);
    this.next = undefined;
  }
}

/**
 * What {@link Background} works on.
 *
 * @example
 * ```ts
 * const work: BackgroundWork = { keyspaces, feed, cache, clock, presenceIntervalMs: 10_000, failed: (what, e) => log.error(what, e) };
 * ```
 */
interface BackgroundWork {
  readonly keyspaces: Keyspaces;
  readonly feed: PresenceFeed;
  readonly cache: HereNowCache;
  readonly clock: EmulatorClock;
  /** Period of the `interval` messages. */
  readonly presenceIntervalMs: number;
  /** Receives what a timer's work threw (it never should), instead of an exception that would end the process. */
  readonly failed: (what: string, error: unknown) => void;
}

/**
 * The emulator's timers, and the lazy expiry each request does first.
 *
 * - Expiry: every second a slice of expiry is scheduled; before each request, what is due is
 *   expired too, unless a background slice is already pending (then the request leaves it to it).
 * - Eviction (judged on the emulator's clock): channel message buffers past their retention,
 *   keyspaces that hold nothing, expired here-now cache entries; a pass every few seconds.
 * - `interval` messages of the channels in interval mode, every `presenceIntervalMs`.
 *
 * @example
 * ```ts
 * const background = new Background(work);
 * background.start();
 * background.beforeRequest(); // in the pipeline
 * background.runNow();        // Emulator.sweep()
 * background.stop();          // close()
 * ```
 */
export class Background {
  private readonly expiry: Slices;
  private readonly eviction: Slices;
  private evictionPass: Generator<void, void, undefined> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(private readonly work: BackgroundWork) {
    this.expiry = new Slices((sliceMs) => this.stopped || work.keyspaces.sweep(Infinity, sliceMs), (run) => this.guarded('expiry', run));
    this.eviction = new Slices((sliceMs) => this.evict(performance.now() + sliceMs), (run) => this.guarded('eviction', run));
  }

  start(): void {
    const { feed, presenceIntervalMs } = this.work;
    this.timers = [
      // The timer only schedules a slice: run here, it would share a turn with the slice after it.
      setInterval(() => this.expiry.schedule(), SWEEP_INTERVAL_MS).unref(),
      setInterval(() => {
        if (this.evictionPass === undefined) this.eviction.schedule();
      }, EVICTION_INTERVAL_MS).unref(),
      setInterval(() => this.guarded('interval messages', () => feed.tick()), presenceIntervalMs).unref(),
    ];
  }

  /** Stops every timer and pending slice (for close); requests then no longer expire anything. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.expiry.cancel();
    this.eviction.cancel();
    this.evictionPass = undefined;
  }

  /**
   * Lazy expiry before a request is answered: what has timed out is gone first, unless a mass
   * timeout is being worked through in the background (then as much as a short slice allows, and
   * the rest follows within milliseconds).
   */
  beforeRequest(): void {
    if (this.expiry.pending || this.stopped) return;
    if (!this.work.keyspaces.sweep(Infinity, REQUEST_SWEEP_MS)) this.expiry.schedule();
  }

  /**
   * All expiry and a whole eviction pass, now (`Emulator.sweep()`). A background eviction pass
   * under way is dropped: it read the clock earlier.
   */
  runNow(): void {
    this.work.keyspaces.sweep();
    this.eviction.cancel();
    this.evictionPass = undefined;
    this.evict(Infinity);
  }

  /** Advances the eviction pass (starting one if none) until it ends or `deadline` passes; `true` once it ended. */
  private evict(deadline: number): boolean {
    const pass = (this.evictionPass ??= this.evictionSteps());
    try {
      for (let step = 1; ; step++) {
        if (pass.next().done) break;
        if (step % STEPS_PER_CHECK === 0 && performance.now() >= deadline) return false;
      }
    } catch (error) {
      this.work.failed('eviction failed', error);
    }
    this.evictionPass = undefined;
    return true;
  }

  private *evictionSteps(): Generator<void, void, undefined> {
    const { keyspaces, feed, cache, clock } = this.work;
    const now = clock.now();
    cache.purge(now);
    yield* feed.evictSteps(now);
    yield* keyspaces.evictSteps();
  }

  /** Runs timer work: an exception there would end the process, so it is reported instead, and the next tick tries again. */
  private guarded(what: string, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.work.failed(`${what} failed`, error);
    }
  }
}
