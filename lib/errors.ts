/**
 * The one error type of the library, modelled on PubNub's status categories, ky's class plus
 * type-guard pattern and zod's issue arrays. Every failure reaching a user's `error` callback is a
 * {@link PresenceError}; switch on `category` to act on it.
 */

/**
 * What went wrong, coarse enough to `switch` on exhaustively.
 *
 * @example
 * ```ts
 * import type { PresenceErrorCategory } from 'rx-presence';
 *
 * function advice(category: PresenceErrorCategory): string {
 *   switch (category) {
 *     case 'access-denied':
 *       return 'check the auth key and the secret key';
 *     case 'network':
 *     case 'timeout':
 *     case 'too-many-requests':
 *     case 'server-error':
 *       return 'transient: retried for you, and worth retrying again later';
 *     default:
 *       return 'permanent: fix the request or the service configuration';
 *   }
 * }
 * console.log(advice('timeout'));
 * // Output: transient: retried for you, and worth retrying again later
 * ```
 */
export type PresenceErrorCategory =
  | 'validation' // bad arguments, caught before any request
  | 'network' // no response: refused, reset, DNS
  | 'timeout' // no response in time
  | 'cancelled' // the subscriber went away
  | 'bad-request' // 400 (and other 4xx not listed below)
  | 'access-denied' // 403
  | 'not-found' // 404
  | 'too-many-requests' // 429
  | 'server-error' // 5xx
  | 'malformed-response'; // a response that is not the JSON shape the protocol promises

/**
 * Every operation the library performs, for error messages and logs.
 *
 * @example
 * ```ts
 * import { Presence, Keyset, isPresenceError } from 'rx-presence';
 *
 * const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'me' }) });
 * presence.announceLeave({}).subscribe({
 *   error: (e) => console.log(isPresenceError(e) ? `${e.operation}: ${e.category}` : e),
 * });
 * // Output: leave: validation
 * ```
 */
export type PresenceOperation =
  | 'hereNow'
  | 'whereNow'
  | 'heartbeat'
  | 'leave'
  | 'setState'
  | 'getState'
  | 'addChannels'
  | 'removeChannels'
  | 'listChannels'
  | 'listGroups'
  | 'deleteGroup'
  | 'subscribe'
  | 'time'
  | 'config';

/**
 * One problem found while decoding a response: where, what was expected, what came.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { isLeft } from 'fp-ts/Either';
 * import { toIssues, type DecodeIssue } from 'rx-presence';
 *
 * const result = t.type({ occupancy: t.number }).decode({ occupancy: '2' });
 * const issues: DecodeIssue[] = isLeft(result) ? toIssues(result.left) : [];
 * console.log(issues);
 * // Output: [ { path: 'occupancy', expected: 'number', actual: '2' } ]
 * ```
 */
export interface DecodeIssue {
  /** Dotted path into the body, `(root)` for the body itself, e.g. `payload.channels.lobby.occupancy`. */
  readonly path: string;
  /** The type that was expected there, as io-ts names it, e.g. `number` or `Array<string>`. */
  readonly expected: string;
  /** The value that was there instead (`undefined` for a missing field). */
  readonly actual: unknown;
}

/**
 * Structured facts about a failure; none of them ever holds a secret, signature or auth key (also
 * when the server echoed them back: every string is redacted), so the whole object is safe to log.
 *
 * @example
 * ```ts
 * import { PresenceError, type PresenceErrorDetails } from 'rx-presence';
 *
 * const details: PresenceErrorDetails = { operation: 'hereNow', statusCode: 503, retryAfter: 2 };
 * const error = new PresenceError('server-error', 'hereNow failed: 503', details);
 * console.log(error.details.retryAfter);
 * // Output: 2
 * ```
 */
export interface PresenceErrorDetails {
  /** The operation that failed. */
  readonly operation: PresenceOperation;
  /** HTTP status, or the body's `status` when it says more (a "false 200"). */
  readonly statusCode?: number;
  /** The service's own `message`, when it sent one. */
  readonly serviceMessage?: string;
  /** Decode problems, for `malformed-response`. */
  readonly issues?: readonly DecodeIssue[];
  /**
   * The request URL with `auth` and `signature` redacted (as `***`). `timestamp` stays: it is not
   * secret, and it tells when a signed request was made.
   */
  readonly url?: string;
  /** Seconds the service asked us to wait (`Retry-After`). */
  readonly retryAfter?: number;
  /** The parsed body, when there was one. */
  readonly body?: unknown;
  /** For a response over the size cap: the cap it passed (`maxResponseBytes`), in bytes. */
  readonly maxResponseBytes?: number;
}

/**
 * The error every operation and stream reports.
 *
 * @example
 * ```ts
 * import { firstValueFrom } from 'rxjs';
 * try {
 *   await firstValueFrom(presence.hereNow({ channels: ['lobby'] }));
 * } catch (err) {
 *   if (isPresenceError(err) && err.category === 'access-denied') console.error('check your auth key');
 *   else throw err;
 * }
 * ```
 */
export class PresenceError extends Error {
  /** Always `PresenceError`; {@link isPresenceError} checks it so copies from another realm count. */
  override readonly name = 'PresenceError';

  constructor(
    /** What went wrong, coarsely: switch on it to decide what to do. */
    readonly category: PresenceErrorCategory,
    message: string,
    /** The facts behind the message, for logs and for code that needs more than the category. */
    readonly details: PresenceErrorDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The operation that failed (shorthand for `details.operation`). */
  get operation(): PresenceOperation {
    return this.details.operation;
  }

  /** The HTTP or body status, when there was a response. */
  get statusCode(): number | undefined {
    return this.details.statusCode;
  }

  /** Decode issues, for `malformed-response`. */
  get issues(): readonly DecodeIssue[] {
    return this.details.issues ?? [];
  }
}

/**
 * True for a {@link PresenceError}, also across realms or duplicated package copies (checks the
 * `name` as ky does).
 *
 * @example
 * ```ts
 * presence.whereNow().subscribe({ error: (e) => console.log(isPresenceError(e) ? e.category : e) });
 * ```
 */
export function isPresenceError(error: unknown): error is PresenceError {
  return error instanceof PresenceError || (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'PresenceError');
}

const TRANSIENT: ReadonlySet<PresenceErrorCategory> = new Set(['network', 'timeout', 'too-many-requests', 'server-error']);

/**
 * True when trying again may succeed: network failures, timeouts, 429, 5xx, and bodies damaged in
 * transit (not JSON at all). Validation, 4xx answers, JSON of the wrong shape, a body over the
 * size cap and cancellation are permanent.
 *
 * @example
 * ```ts
 * isRetryable(new PresenceError('server-error', 'boom', { operation: 'hereNow', statusCode: 503 })); // true
 * ```
 */
export function isRetryable(error: unknown): boolean {
  if (!isPresenceError(error)) return false;
  // A body that is not JSON at all (cut short, or a proxy's HTML page) is damage in transit, like
  // a reset; JSON of the wrong shape is a protocol mismatch that no retry will fix, and a body
  // over the size cap would only come back as large.
  return (
    TRANSIENT.has(error.category) ||
    (error.category === 'malformed-response' && error.issues.length === 0 && error.details.maxResponseBytes === undefined)
  );
}

/**
 * Maps an HTTP (or body) status to a category.
 *
 * @example
 * ```ts
 * categoryOfStatus(403); // 'access-denied'
 * ```
 */
export function categoryOfStatus(status: number): PresenceErrorCategory {
  if (status === 403) return 'access-denied';
  if (status === 404) return 'not-found';
  if (status === 429) return 'too-many-requests';
  if (status >= 500) return 'server-error';
  return 'bad-request';
}

/**
 * A `validation` error, raised before any request is made.
 *
 * @example
 * ```ts
 * throw validationError('heartbeat', 'heartbeat must be an integer from 1 to 320, got 0');
 * ```
 */
export function validationError(operation: PresenceOperation, message: string): PresenceError {
  return new PresenceError('validation', `${operation}: ${message}`, { operation });
}

/**
 * The error as a {@link PresenceError}: itself when it already is one, else a
 * `malformed-response` error saying the answer could not be processed, with the original as
 * `cause`. Streams end with it so that whatever goes wrong while handling what the service (or
 * another user, through it) sent, a subscriber only ever sees a `PresenceError`.
 *
 * @example
 * ```ts
 * const error = asPresenceError('hereNow', new RangeError('Maximum call stack size exceeded'));
 * console.log(error.category, error.message);
 * // Output: malformed-response hereNow: could not process the answer (RangeError: Maximum call stack size exceeded)
 * ```
 */
export function asPresenceError(operation: PresenceOperation, error: unknown): PresenceError {
  if (isPresenceError(error)) return error;
  const { name, message } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown };
  const what = typeof message === 'string' ? `${typeof name === 'string' ? name : 'Error'}: ${message}` : String(typeof error === 'object' ? 'unknown error' : error);
  // Clipped: the text may quote what was being processed.
  const clipped = what.length > 200 ? `${what.slice(0, 199)}…` : what;
  return new PresenceError('malformed-response', `${operation}: could not process the answer (${clipped})`, { operation }, { cause: error });
}
