import { asyncScheduler, defer, Observable, retry, switchMap, type RetryConfig, type Subscriber, type TeardownLogic } from 'rxjs';
import { asPresenceError, PresenceError, validationError, type PresenceErrorCategory, type PresenceOperation } from '../errors';
import { canonicalQuery, type Query } from '../protocol/encoding';
import { VERSION } from '../version';
import { defaultAbortController, defaultFetch } from './default-fetch';
import { BodyTooLarge, readCappedText, type ResponseBodyStream } from './read-body';
import { redactError, redactText, secretForms } from './redact';
import { parseResponse, type RawResponse } from './response';
import { RETRY_DEFAULTS, retryConfig, type RetryOptions } from '../retry-policy';
import { signV2 } from './signature';
import type { PresenceRequest, Transport } from './types';

/**
 * The subset of `fetch` the transport uses; cross-fetch, node-fetch and the global one fit. A
 * stand-in only needs these few members, which keeps fakes in tests short.
 *
 * @example
 * ```ts
 * import { firstValueFrom } from 'rxjs';
 * import { Presence, Keyset, type FetchLike } from 'rx-presence';
 *
 * const fetch: FetchLike = async (url) => {
 *   console.log(url.split('?')[0]);
 *   return { status: 200, statusText: 'OK', headers: { get: () => null }, text: async () => '{"status":200,"payload":{"channels":[]}}' };
 * };
 * const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'me' }), fetch });
 * console.log(await firstValueFrom(presence.whereNow()));
 * // Output:
 * // https://ps.pndsn.com/v2/presence/sub-key/demo/uuid/me
 * // { channels: [] }
 * ```
 */
export type FetchLike = (
  url: string,
  init: { signal: AbortSignal; headers: Record<string, string>; keepalive?: boolean },
) => Promise<{
  /** The HTTP status code. */
  status: number;
  /** The HTTP reason phrase; used in error messages when the body has no `message`. */
  statusText: string;
  /** The response headers; only `content-length`, `content-encoding` and (for a failure) `retry-after` are read. */
  headers: {
    /** A header's value by case-insensitive name, or `null` when absent. */
    get(name: string): string | null;
  };
  /**
   * The body as a stream, when the fetch offers one (browsers' and Node's fetch, node-fetch):
   * read chunk by chunk, so that `maxResponseBytes` bounds memory even for a body that never
   * ends. Without it the transport falls back to `text()`.
   */
  body?: ResponseBodyStream | null;
  /** The whole body as text; the transport parses the JSON itself. */
  text(): Promise<string>;
}>;

/**
 * Options of {@link createFetchTransport}.
 *
 * @example
 * ```ts
 * const transport = createFetchTransport({ origin: 'http://127.0.0.1:8090', requestTimeoutMs: 5000 });
 * ```
 */
export interface FetchTransportOptions {
  /** Scheme and host, e.g. `https://ps.pndsn.com` or an emulator's `url`. */
  readonly origin: string;
  /** Default: cross-fetch on Node, the page's own `fetch` in a browser bundle. */
  readonly fetch?: FetchLike;
  /** Per-request timeout. Default 15,000 ms. */
  readonly requestTimeoutMs?: number;
  /** How transient failures are retried; unset fields take {@link RETRY_DEFAULTS}. */
  readonly retry?: RetryOptions;
  /** The `pnsdk` value. Default `rx-presence/<version>`. */
  readonly pnsdk?: string;
  /** Unix seconds for signatures; injectable for known-vector tests. */
  readonly now?: () => number;
  /**
   * The largest response body accepted, in bytes; a larger one ends the request (aborted as soon
   * as the cap is passed) in a `malformed-response` error that is not retried. Default
   * {@link DEFAULT_MAX_RESPONSE_BYTES}.
   */
  readonly maxResponseBytes?: number;
  /**
   * Hears of each retry of a one-shot call, before its wait: the failure, the retry's number (1
   * before the second attempt) and the wait in ms. For progress lines (the CLI's `retrying …`).
   */
  readonly onRetry?: (error: PresenceError, retry: number, delayMs: number) => void;
}

/**
 * The default cap on a response body: 8 MiB. A here-now page is at most 1,000 occupants per
 * channel; even with states this leaves room for hundreds of channels in one answer, while a
 * broken proxy's endless body costs at most this much memory.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_RESPONSE_BYTES } from 'rx-presence';
 *
 * console.log(DEFAULT_MAX_RESPONSE_BYTES / 1024 / 1024);
 * // Output: 8
 * ```
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** The URL with credentials replaced by `***`, safe for messages and logs. */
export function redactUrl(path: string, query: Query): string {
  const search = canonicalQuery(query);
  return redactText(search ? `${path}?${search}` : path);
}

/** Maps what fetch throws (node-fetch `FetchError`, `TypeError`, `AbortError`) to a category. */
function fromFetchFailure(operation: PresenceOperation, url: string, error: unknown): PresenceError {
  const { name, code, message } = (error ?? {}) as { name?: string; code?: string; message?: string };
  const [category, what]: [PresenceErrorCategory, string] =
    name === 'AbortError'
      ? ['cancelled', 'request cancelled']
      : code === 'ETIMEDOUT' || /timeout/i.test(message ?? '')
        ? ['timeout', 'timed out']
        : ['network', `network failure, ${code ?? (message ? message.replace(/https?:\/\/\S+/g, '<url>') : 'unknown failure')}`];
  // fetch implementations put the full URL (credentials included) in their messages: the
  // transport hands on only a redacted copy of the error, its cause included (`redactError`).
  return new PresenceError(category, `${operation}: ${what} (GET ${url})`, { operation, url }, { cause: error });
}

/** A body over `maxResponseBytes`: permanent (the same request would bring the same body). */
function tooLarge(operation: PresenceOperation, url: string, maxResponseBytes: number, statusCode: number | undefined): PresenceError {
  return new PresenceError('malformed-response', `${operation}: the response is larger than ${maxResponseBytes} bytes (maxResponseBytes) (GET ${url})`, {
    operation,
    url,
    maxResponseBytes,
    ...(statusCode === undefined ? {} : { statusCode }),
  });
}

/**
 * The default {@link Transport}: builds the URL with the protocol's encoding, adds `uuid`,
 * `pnsdk`, `auth` and the v2 signature, fetches with an `AbortController` per subscription (the
 * rxjs `fromFetch` pattern, with an injectable fetch), times out, maps failures to
 * `PresenceError`s and retries the transient ones.
 *
 * @example
 * ```ts
 * import { lastValueFrom } from 'rxjs';
 * const transport = createFetchTransport({ origin: emulator.url });
 * const body = await lastValueFrom(transport({
 *   operation: 'whereNow', path: '/v2/presence/sub-key/demo/uuid/alice', query: {},
 *   keys: { subscribeKey: 'demo', userId: 'me' },
 * }));
 * ```
 */
export function createFetchTransport(options: FetchTransportOptions): Transport {
  const fetchImpl: FetchLike = options.fetch ?? defaultFetch;
  // The default fetch may want a lighter controller than the platform's (see default-fetch.ts).
  const newAbort = options.fetch === undefined ? defaultAbortController : () => new AbortController();
  const origin = options.origin.replace(/\/+$/, '');
  const requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (typeof maxResponseBytes !== 'number' || !Number.isSafeInteger(maxResponseBytes) || maxResponseBytes < 1) {
    throw validationError('config', `maxResponseBytes must be a whole number of bytes of at least 1, got ${String(maxResponseBytes)}`);
  }
  const retryOptions = { ...RETRY_DEFAULTS, ...options.retry };
  const retryConfigs = new Map<number, RetryConfig>();
  const pnsdk = options.pnsdk ?? `rx-presence/${VERSION}`;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const headers = { Accept: 'application/json' };

  /** The query of one attempt: built per subscription, so that each retry is freshly signed. */
  const queryOf = (request: PresenceRequest): Record<string, string> => {
    // Not a spread: queries come in many shapes, and a spread of many shapes is V8's slow path
    // (some 2 µs of a call's own 11, against 0.1 for Object.assign).
    const query: Record<string, string> = Object.assign({}, request.query);
    query.uuid = request.keys.userId;
    query.pnsdk = pnsdk;
    if (request.keys.authKey !== undefined) query.auth = request.keys.authKey;
    return query;
  };

  /** One attempt. Unsigned (the common case), it is a single Observable: no wrapper per request. */
  const send = (request: PresenceRequest): Observable<unknown> => {
    const { secretKey } = request.keys;
    if (secretKey === undefined) return new Observable<unknown>((subscriber) => fetchOnce(request, queryOf(request), subscriber));
    // Web Crypto signs asynchronously: the fetch starts once the signature is there, and an
    // unsubscribe before then means no request at all.
    return defer(() => signQuery(secretKey, request, queryOf(request))).pipe(
      switchMap((signed) => new Observable<unknown>((subscriber) => fetchOnce(request, signed, subscriber))),
    );
  };

  const signQuery = async (secretKey: string, request: PresenceRequest, query: Record<string, string>): Promise<Query> => {
    try {
      // A fresh id makes every signed request unique, so a retry within the same second is not
      // refused as a replay (the official SDKs send one too).
      // Both are Web Crypto, which browsers give only to secure contexts.
      const webCrypto = globalThis.crypto as Partial<typeof globalThis.crypto> | undefined;
      if (webCrypto?.randomUUID === undefined) throw new TypeError('signing needs Web Crypto (globalThis.crypto): Node 20+, or a browser page served over https');
      query.requestid = webCrypto.randomUUID();
      query.timestamp = String(now());
      query.signature = await signV2({ secretKey, publishKey: request.keys.publishKey, method: 'GET', path: request.path, query });
      return query;
    } catch (error) {
      // Only where Web Crypto is missing (a page on plain http): a setup problem, never retried.
      const message = error instanceof Error ? error.message : String(error);
      throw new PresenceError('validation', `${request.operation}: cannot sign the request: ${message}`, { operation: request.operation });
    }
  };

  /**
   * Runs one attempt for `subscriber` and returns its teardown. Written out by hand rather than
   * with `timeout()` and `catchError()`: those are two more subscribers and closures on every call,
   * and on the client's hot path they were a measurable part of what it added to a bare fetch
   * (BENCHMARKS.md). The timer is scheduled on rxjs's `asyncScheduler`, as `timeout()` does, so
   * that marble tests on virtual time still drive it.
   */
  const fetchOnce = (request: PresenceRequest, query: Query, subscriber: Subscriber<unknown>): TeardownLogic => {
    const url = `${origin}${request.path}?${canonicalQuery(query)}`;
    const { operation } = request;
    // Only failures need the redacted URL, so only they pay for it.
    const safeUrl = () => redactUrl(request.path, query);
    const timeoutMs = request.timeoutMs ?? requestTimeoutMs;
    const controller = newAbort();
    let settled = false;
    let status: number | undefined;
    // A server or proxy may echo the request back anywhere: every string of the error is cleaned
    // of this request's actual credentials, not only the URL we built.
    const fail = (error: unknown): void => {
      settled = true;
      timer.unsubscribe();
      subscriber.error(redactError(asPresenceError(operation, error), secretForms([request.keys.authKey, request.keys.secretKey, query.signature])));
    };
    const timer = asyncScheduler.schedule(() => {
      if (settled) return;
      const safe = safeUrl();
      controller.abort();
      fail(new PresenceError('timeout', `${operation}: no response within ${timeoutMs} ms (GET ${safe})`, { operation, url: safe }));
    }, timeoutMs);
    let response: ReturnType<FetchLike>;
    try {
      const signal = controller.signal as unknown as AbortSignal;
      response = fetchImpl(url, request.init === undefined ? { signal, headers } : { ...request.init, signal, headers });
    } catch (error) {
      // A fetch that throws instead of rejecting fails the same way.
      response = Promise.reject(error);
    }
    response
      .then(async (res): Promise<RawResponse> => {
        status = res.status;
        return {
          status: res.status,
          statusText: res.statusText,
          retryAfter: () => res.headers.get('retry-after'),
          // Read incrementally and aborted past the cap: an endless body costs the cap, no more.
          text: await readCappedText(res, maxResponseBytes, () => controller.abort()),
        };
      })
      .then(
        (raw) => {
          if (settled) return;
          let body: unknown;
          try {
            body = parseResponse(operation, safeUrl, raw);
          } catch (error) {
            fail(error);
            return;
          }
          settled = true;
          timer.unsubscribe();
          subscriber.next(body);
          subscriber.complete();
        },
        (error: unknown) => {
          if (settled) return;
          fail(error instanceof BodyTooLarge ? tooLarge(operation, safeUrl(), error.maxBytes, status) : fromFetchFailure(operation, safeUrl(), error));
        },
      );
    return () => {
      timer.unsubscribe();
      if (!settled) {
        settled = true;
        controller.abort();
      }
    };
  };

  return (request) => {
    const attempts = request.attempts ?? retryOptions.attempts;
    if (attempts <= 1) return send(request);
    let config = retryConfigs.get(attempts);
    if (config === undefined) retryConfigs.set(attempts, (config = retryConfig({ ...retryOptions, attempts }, options.onRetry)));
    return send(request).pipe(retry(config));
  };
}
