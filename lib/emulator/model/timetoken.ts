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

  constructor(private readonly clock: EmulatorClock) {}

  /** A token greater than every one issued before. */
  next(): bigint {
    const now = BigInt(Math.max(0, Math.floor(this.clock.now()))) * 10_000n;
    this.last = now > this.last ? now : this.last + 1n;
    return this.last;
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
