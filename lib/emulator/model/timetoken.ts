import type { EmulatorClock } from '../types';

/**
 * Issues the service's 17-digit timetokens: Unix milliseconds × 10,000, plus a counter so that two
 * tokens issued in the same millisecond (or after the clock stood still or went back) still
 * strictly increase. One source serves every subscribe key, so any token a client holds orders
 * against every event.
 *
 * @example
 * ```ts
 * const tokens = new TimetokenSource({ now: () => 1_900_000_000_000 });
 * formatTimetoken(tokens.next()); // '19000000000000000'
 * formatTimetoken(tokens.next()); // '19000000000000001'
 * ```
 */
export class TimetokenSource {
  private last = 0n;
  /**
   * The highest millisecond the clock has shown. Within it, or at an earlier one (a clock that
   * went back), the clock's token cannot be ahead of `last`, so it need not be built.
   */
  private lastMs = -1;

  constructor(private readonly clock: EmulatorClock) {}

  /** A token greater than every one issued before. */
  next(): bigint {
    // Each event of a mass timeout takes a token, a million within a few milliseconds: the clock's
    // token (two BigInt allocations) is built once per millisecond instead of for every token.
    const ms = Math.max(0, Math.floor(this.clock.now()));
    // `!(ms <= …)`, not `ms > …`: a reading that is no number goes to BigInt, which refuses it
    // (RangeError) before `lastMs` is touched, as every reading did before.
    if (!(ms <= this.lastMs)) {
      const now = BigInt(ms) * 10_000n;
      this.lastMs = ms;
      if (now > this.last) return (this.last = now);
    }
    return (this.last += 1n);
  }
}

/**
 * A timetoken as the service writes it: a decimal string, padded to 17 digits.
 *
 * @example
 * ```ts
 * formatTimetoken(17000000000000001n); // '17000000000000001'
 * ```
 */
export const formatTimetoken = (timetoken: bigint): string => timetoken.toString().padStart(17, '0');

/**
 * Reads a client's `tt`: decimal digits only (up to 20), else `undefined`.
 *
 * @example
 * ```ts
 * parseTimetoken('17000000000000001'); // 17000000000000001n
 * parseTimetoken('1.5e16');            // undefined
 * ```
 */
export const parseTimetoken = (text: string): bigint | undefined => (/^\d{1,20}$/.test(text) ? BigInt(text) : undefined);
