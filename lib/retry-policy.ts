/**
 * The one retry policy: a single backoff formula, and the rxjs `retry()` configs built from it
 * for the transport (one-shot calls) and for every stream (which call operations with one attempt
 * and own their retries). Neutral ground: the transport and the streams both import it, neither
 * imports the other.
 */
import { throwError, timer, type Observable, type RetryConfig } from 'rxjs';
import { isRetryable, type PresenceError } from './errors';

/**
 * How transient failures (network, timeout, 429, 5xx) are retried. 4xx, malformed responses and
 * validation errors are never retried.
 *
 * @example
 * ```ts
 * const presence = new Presence({ defaultKeyset, retry: { attempts: 5, baseDelayMs: 500 } });
 * ```
 */
export interface RetryOptions {
  /** Total tries including the first; `1` disables retrying. Default 3. */
  readonly attempts?: number;
  /** Delay before the first retry; doubles each time. Default 250 ms. */
  readonly baseDelayMs?: number;
  /** Upper bound for one delay, also for a `Retry-After` the service sends. Default 10,000 ms. */
  readonly maxDelayMs?: number;
  /**
   * Randomises each delay within its upper half, so that many clients failing together do not
   * retry in lockstep. Default true; tests turn it off for exact timings.
   */
  readonly jitter?: boolean;
}

/**
 * The defaults of {@link RetryOptions}.
 *
 * @example
 * ```ts
 * import { RETRY_DEFAULTS } from 'rx-presence';
 *
 * console.log(RETRY_DEFAULTS);
 * // Output: { attempts: 3, baseDelayMs: 250, maxDelayMs: 10000, jitter: true }
 * ```
 */
export const RETRY_DEFAULTS: Required<RetryOptions> = { attempts: 3, baseDelayMs: 250, maxDelayMs: 10_000, jitter: true };

/** One use of the policy: the backoff, and how many tries (default: until it succeeds). */
interface Backoff {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly jitter: boolean;
  /** Total tries including the first. Default: unbounded (the loops retry until they succeed). */
  readonly attempts?: number;
  /**
   * Wait what a `Retry-After` says (capped by `maxDelayMs`). Default true; the heartbeat loop and
   * `events$` keep their own cadence, as they always have.
   */
  readonly honorRetryAfter?: boolean;
  /** Start the count over after a value (a long-lived stream's reconnects). */
  readonly resetOnSuccess?: boolean;
}

/**
 * The delay before retry number `retry` (1-based): `Retry-After` when the service sent one,
 * else exponential backoff, capped, optionally jittered.
 *
 * @example
 * ```ts
 * backoffDelay(3, { ...RETRY_DEFAULTS, jitter: false }); // 1000
 * ```
 */
export function backoffDelay(retry: number, backoff: Backoff, retryAfterSeconds?: number): number {
  if (retryAfterSeconds !== undefined) return Math.min(backoff.maxDelayMs, retryAfterSeconds * 1000);
  const exponential = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** (retry - 1));
  return backoff.jitter ? exponential / 2 + Math.random() * (exponential / 2) : exponential;
}

/**
 * A config for rxjs `retry()` that retries only transient failures, waiting {@link backoffDelay}.
 * `onRetry` hears of each retry before its wait (the heartbeat loop reports it as an event).
 *
 * @example
 * ```ts
 * request$.pipe(retry(retryConfig({ attempts: 3, baseDelayMs: 100, maxDelayMs: 1000, jitter: false })));
 * ```
 */
export function retryConfig(backoff: Backoff, onRetry?: (error: PresenceError, retry: number, delayMs: number) => void): RetryConfig {
  return {
    count: backoff.attempts === undefined ? Infinity : Math.max(0, backoff.attempts - 1),
    resetOnSuccess: backoff.resetOnSuccess ?? false,
    delay: (error: unknown, retry: number): Observable<number> => {
      if (!isRetryable(error)) return throwError(() => error);
      const transient = error as PresenceError;
      const delayMs = backoffDelay(retry, backoff, backoff.honorRetryAfter === false ? undefined : transient.details.retryAfter);
      onRetry?.(transient, retry, delayMs);
      return timer(delayMs);
    },
  };
}
