import { isLeft } from '../codecs/either';
import { ErrorBody } from '../codecs/bodies';
import { categoryOfStatus, PresenceError, type PresenceOperation } from '../errors';

/** The parts of an HTTP response the protocol cares about. */
export interface RawResponse {
  readonly status: number;
  readonly statusText: string;
  /** The `Retry-After` header; read only for a failure (a header lookup is not free per call). */
  readonly retryAfter: () => string | null;
  readonly text: string;
}

/** Seconds from a `Retry-After` header (seconds or an HTTP date), when it is usable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds : undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

function describeNonJson(text: string): string {
  const head = text.trimStart().slice(0, 200).toLowerCase();
  if (head.startsWith('<')) return 'got an HTML page instead of JSON: a proxy or captive portal in the way?';
  if (text.trim() === '') return 'got an empty body instead of JSON';
  return 'got a body that is not valid JSON (truncated?)';
}

/**
 * Turns a raw response into the parsed body, or a {@link PresenceError}: a non-2xx status, a JSON
 * `status` of 400 or more even on HTTP 200 (the service's "false 200"), a body that is not JSON.
 * `url` must already be redacted.
 */
export function parseResponse(operation: PresenceOperation, urlOf: () => string, response: RawResponse): unknown {
  let body: unknown;
  let parsed = true;
  try {
    body = JSON.parse(response.text);
  } catch {
    parsed = false;
  }
  // The common case, answered without building anything: a 2xx with a JSON object that does
  // not report an error status of its own.
  if (parsed && response.status >= 200 && response.status < 300 && typeof body === 'object' && body !== null) {
    const status = (body as { status?: unknown }).status;
    if (typeof status !== 'number' || status < 400) return body;
  }
  const url = urlOf();

  const decodedError = parsed ? ErrorBody.decode(body) : undefined;
  const errorBody: ErrorBody = decodedError && !isLeft(decodedError) ? decodedError.right : {};
  const bodyStatus = typeof errorBody.status === 'number' && errorBody.status >= 400 ? errorBody.status : undefined;
  const httpFailed = response.status < 200 || response.status >= 300;

  if (httpFailed || bodyStatus !== undefined) {
    // The body's status wins: it is what the service meant, also when the HTTP layer said 200.
    const statusCode = bodyStatus ?? response.status;
    const serviceMessage = errorBody.message ?? errorBody.error_message;
    const retryAfter = parseRetryAfter(response.retryAfter());
    const what = serviceMessage ?? (parsed ? response.statusText : describeNonJson(response.text));
    throw new PresenceError(categoryOfStatus(statusCode), `${operation} failed: ${[statusCode, what].filter(Boolean).join(' ')} (GET ${url})`, {
        operation,
        statusCode,
        url,
        ...(serviceMessage === undefined ? {} : { serviceMessage }),
        ...(retryAfter === undefined ? {} : { retryAfter }),
        ...(parsed ? { body } : {}),
      });
  }

  if (!parsed) {
    throw new PresenceError('malformed-response', `${operation}: ${describeNonJson(response.text)} (GET ${url})`, {
      operation,
      statusCode: response.status,
      url,
    });
  }
  return body;
}
