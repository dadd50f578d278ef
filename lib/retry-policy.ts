import { throwError, timer, type Observable, type RetryConfig } from 'rxjs';
import { isPresenceError, isRetryable } from '../errors';

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

/**
 * The delay before retry number `retry` (1-based): `Retry-After` when the service sent one,
 * else exponential backoff, capped, optionally jittered.
 *
 * @example
 * ```ts
 * backoffDelay(3, { ...RETRY_DEFAULTS, jitter: false }); // 1000
 * ```
 */
export function backoffDelay(retry: number, options: Required<RetryOptions>, retryAfterSeconds?: number): number {
  if (retryAfterSeconds !== undefined) return Math.min(options.maxDelayMs, retryAfterSeconds * 1000);
  const exponential = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return options.jitter ? exponential / 2 + Math.random() * (exponential / 2) : exponential;
}

/**
 * A config for rxjs `retry()` that retries only transient failures, with {@link backoffDelay}.
 *
 * @example
 * ```ts
 * request$.pipe(retry(retryConfig({ attempts: 3, baseDelayMs: 100, maxDelayMs: 1000, jitter: false })));
 * ```
 */
export function retryConfig(options: Required<RetryOptions>): RetryConfig {
  return {
    count: Math.max(0, options.attempts - 1),
    delay: (error: unknown, retry: number): Observable<number> =>
      isRetryable(error)
        ? timer(backoffDelay(retry, options, isPresenceError(error) ? error.details.retryAfter : undefined))
        : throwError(() => error),
  };
}
