import type { Reply } from '../pipeline/responses';
import type { EmulatorClock } from '../types';

/**
 * The service's here-now response cache: the same request within `ttlMs` gets the same answer,
 * even if presence changed meanwhile.
 *
 * Every entry lives exactly `ttlMs`, so re-inserting on store keeps the Map in expiry order and
 * purging only looks at the entries that actually expired.
 *
 * @example
 * ```ts
 * let now = 0;
 * const cache = new HereNowCache(3000, { now: () => now });
 * cache.remember('k', () => reply1); // computes reply1
 * now = 2999;
 * cache.remember('k', () => reply2); // still reply1
 * now = 3000;
 * cache.remember('k', () => reply2); // reply2
 * ```
 */
export class HereNowCache {
  private readonly entries = new Map<string, { readonly expiresAt: number; readonly reply: Reply }>();
  /** When the oldest entry expires: nothing to purge before then. */
  private nextExpiry = Infinity;

  constructor(
    private readonly ttlMs: number,
    private readonly clock: EmulatorClock,
  ) {}

  /** Whether answers are cached at all (`ttlMs > 0`); when not, callers need not build a key. */
  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** The cached reply for `key`, or `compute()`'s, which is cached when it is a 200. */
  remember(key: string, compute: () => Reply): Reply {
    if (this.ttlMs <= 0) return compute();
    const now = this.clock.now();
    this.purge(now);
    const hit = this.entries.get(key);
    if (hit) return hit.reply;
    const reply = compute();
    if (reply.status === 200) {
      this.entries.set(key, { expiresAt: now + this.ttlMs, reply });
      if (this.entries.size === 1) this.nextExpiry = now + this.ttlMs;
    }
    return reply;
  }

  /** Drops the entries expired at `now` (also done on every lookup). */
  purge(now: number): void {
    if (now < this.nextExpiry) return;
    this.nextExpiry = Infinity;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) {
        this.nextExpiry = entry.expiresAt;
        break;
      }
      this.entries.delete(key);
    }
  }
}
