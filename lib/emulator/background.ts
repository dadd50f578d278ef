/**
 * The emulator's work outside requests: presence expiry, eviction of what has gone idle, and the
 * `interval` messages of busy channels. All three run in slices of about a millisecond, one per
 * turn of the event loop, so that a mass timeout (say a million occupants at once), a pass over
 * 100,000 idle channels or the interval messages of 10,000 busy ones never stall the requests
 * meanwhile.
 */
import { performance } from 'node:perf_hooks';
import type { HereNowCache } from './endpoints/here-now-cache';
import type { Keyspaces } from './model/keyspaces';
import type { PresenceFeed } from './model/presence-feed';
import type { EmulatorClock } from './types';

/** How often (real ms) a background expiry slice is scheduled. */
const SWEEP_INTERVAL_MS = 1000;
/**
 * How long one slice of background work may run before it yields to the event loop. Short, because
 * a scavenge or the host taking the CPU away can land in any slice and the stall is the sum: at a
 * million occupants timing out at once, 1 ms slices served 2.5 times as many requests meanwhile as
 * 3 ms ones and brought the longest stall from 17–21 to 10–13 ms, with the whole expiry taking
 * as long (2.7–2.9 s against 2.4–3.2 s; BENCHMARKS.md, issue 16's sixth round).
 */
const SLICE_MS = 1;
/**
 * The expiry a request does before it is answered, when no background slice is pending. Short:
 * a background slice may follow in the same turn of the event loop.
 */
const REQUEST_SWEEP_MS = 1;
/** How often (real ms) a background eviction pass starts. */
const EVICTION_INTERVAL_MS = 5_000;
/** Eviction steps between looks at the clock. */
const STEPS_PER_CHECK = 64;

/** Background work that can be done a slice at a time. */
interface Job {
  /** Does at most about `sliceMs` of the work; `true` once it is all done. */
  slice(sliceMs: number): boolean;
}

/**
 * The one queue of background slices: one slice per turn of the event loop (`setImmediate`), of
 * whichever job is next, round-robin. One queue rather than one per kind of work: expiry,
 * eviction and interval messages each scheduling their own would run up to three slices in one
 * turn (plus a GC pause) when they coincide, as they do in a mass timeout.
 */
class Turns {
  private readonly waiting: Job[] = [];
  private next: NodeJS.Immediate | undefined;

  /** Queues `job` unless it is queued already. */
  add(job: Job): void {
    if (this.waiting.includes(job)) return;
    this.waiting.push(job);
    this.next ??= setImmediate(() => this.turn()).unref();
  }

  has(job: Job): boolean {
    return this.waiting.includes(job);
  }

  remove(job: Job): void {
    const index = this.waiting.indexOf(job);
    if (index >= 0) this.waiting.splice(index, 1);
  }

  clear(): void {
    this.waiting.length = 0;
    clearImmediate(this.next);
    this.next = undefined;
  }

  private turn(): void {
    this.next = undefined;
    const job = this.waiting.shift();
    if (job !== undefined && !job.slice(SLICE_MS)) this.waiting.push(job);
    if (this.waiting.length > 0) this.next ??= setImmediate(() => this.turn()).unref();
  }
}

/**
 * A pass made of steps (a generator), done in slices. It holds one generator and begins a new one
 * only once the last has ended, so its timer queueing it while a pass is under way (the queue
 * holds it once) cannot start a second pass beside the first.
 */
class Pass implements Job {
  private steps: Generator<void, void, undefined> | undefined;

  /**
   * @param stepsPerCheck - Steps between looks at the clock: many for cheap steps (eviction), 1
   *   for steps that can take a while (a busy channel's `interval` message, up to 32 KB of JSON).
   */
  constructor(
    private readonly what: string,
    private readonly begin: () => Generator<void, void, undefined>,
    private readonly failed: (what: string, error: unknown) => void,
    private readonly stepsPerCheck: number,
  ) {}

  slice(sliceMs: number): boolean {
    return this.advance(performance.now() + sliceMs);
  }

  /** Advances the pass (starting one if none) until it ends or `deadline` passes; `true` once it ended. */
  advance(deadline: number): boolean {
    const steps = (this.steps ??= this.begin());
    try {
      for (let step = 1; ; step++) {
        if (steps.next().done) break;
        if (step % this.stepsPerCheck === 0 && performance.now() >= deadline) return false;
      }
    } catch (error) {
      this.failed(`${this.what} failed`, error);
    }
    this.steps = undefined;
    return true;
  }

  /** Drops the pass under way. */
  cancel(): void {
    this.steps = undefined;
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
 * - `interval` messages of the channels in interval mode: a pass every `presenceIntervalMs`.
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
  private readonly turns = new Turns();
  private readonly expiry: Job;
  private readonly eviction: Pass;
  private readonly intervals: Pass;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(private readonly work: BackgroundWork) {
    this.expiry = {
      slice: (sliceMs) => {
        try {
          return this.stopped || work.keyspaces.sweep(Infinity, sliceMs);
        } catch (error) {
          work.failed('expiry failed', error);
          return true;
        }
      },
    };
    this.eviction = new Pass('eviction', () => this.evictionSteps(), work.failed, STEPS_PER_CHECK);
    this.intervals = new Pass('interval messages', () => work.feed.tickSteps(), work.failed, 1);
  }

  start(): void {
    // The timers only queue slices: run in a timer, one would share a turn with the slice after it.
    this.timers = [
      setInterval(() => this.turns.add(this.expiry), SWEEP_INTERVAL_MS).unref(),
      setInterval(() => this.turns.add(this.eviction), EVICTION_INTERVAL_MS).unref(),
      setInterval(() => this.turns.add(this.intervals), this.work.presenceIntervalMs).unref(),
    ];
  }

  /** Stops every timer and pending slice (for close); requests then no longer expire anything. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.turns.clear();
    this.eviction.cancel();
    this.intervals.cancel();
  }

  /**
   * Lazy expiry before a request is answered: what has timed out is gone first, unless a mass
   * timeout is being worked through in the background (then as much as a short slice allows, and
   * the rest follows within milliseconds).
   */
  beforeRequest(): void {
    if (this.stopped || this.turns.has(this.expiry)) return;
    if (!this.work.keyspaces.sweep(Infinity, REQUEST_SWEEP_MS)) this.turns.add(this.expiry);
  }

  /**
   * All expiry and a whole eviction pass, now (`Emulator.sweep()`). A background eviction pass
   * under way is dropped: it read the clock earlier.
   */
  runNow(): void {
    this.work.keyspaces.sweep();
    this.turns.remove(this.eviction);
    this.eviction.cancel();
    this.eviction.advance(Infinity);
  }

  private *evictionSteps(): Generator<void, void, undefined> {
    const { keyspaces, feed, cache, clock } = this.work;
    const now = clock.now();
    cache.purge(now);
    yield* feed.evictSteps(now);
    yield* keyspaces.evictSteps();
  }
}
