/**
 * What the outside sees of each request: a record on `requests$` and, with a `log`, one line. Both
 * show credentials redacted (`auth` and `signature` values, however their key is encoded).
 */
import { performance } from 'node:perf_hooks';
import { Subject } from 'rxjs';
import { CREDENTIAL_PARAMS } from '../protocol/signing';
import { decodeFormComponent, type RequestQuery } from './pipeline/query';
import type { IncomingRequest } from './pipeline/request';
import type { EmulatorFaultKind, EmulatorRequestRecord } from './types';

/**
 * What records and logs show instead of a credential's value.
 *
 * @example
 * ```ts
 * redactQueryString('uuid=me&auth=SECRET'); // `uuid=me&auth=${REDACTED}`
 * ```
 */
export const REDACTED = '***';

const CREDENTIALS: ReadonlySet<string> = new Set(CREDENTIAL_PARAMS);
const LOGGED_URL_CHARS = 300;

/**
 * A raw query string (after `?`) with the values of `auth` and `signature` replaced by
 * {@link REDACTED}, however the key is spelled on the wire (`auth`, `%61uth`, `a+uth`…: the key is
 * decoded as the parser decodes it before it is compared). Never throws.
 *
 * @example
 * ```ts
 * redactQueryString('uuid=me&%61uth=SECRET&signature=v2.abc'); // 'uuid=me&%61uth=***&signature=***'
 * ```
 */
export function redactQueryString(search: string): string {
  if (search.indexOf('uth') < 0 && search.indexOf('ignature') < 0 && search.indexOf('%') < 0) return search;
  return search
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let key: string;
      try {
        key = decodeFormComponent(pair.slice(0, eq));
      } catch {
        // An undecodable key: the request is refused anyway; hide its value to be safe.
        return `${pair.slice(0, eq)}=${REDACTED}`;
      }
      return CREDENTIALS.has(key) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
}

/** Every parameter with its decoded value, credentials as {@link REDACTED}: what a record shows. */
const recordedQuery = (query: RequestQuery | undefined): Record<string, string> => {
  if (query === undefined) return {};
  const shown = query.all();
  for (const key of CREDENTIALS) if (key in shown) shown[key] = REDACTED;
  return shown;
};

/** A URL for the log: credentials redacted, long ones cut. */
const shown = (url: string): string => {
  const queryAt = url.indexOf('?');
  const redacted = queryAt < 0 ? url : `${url.slice(0, queryAt + 1)}${redactQueryString(url.slice(queryAt + 1))}`;
  return redacted.length > LOGGED_URL_CHARS ? `${redacted.slice(0, LOGGED_URL_CHARS)}… (${url.length} chars)` : redacted;
};

/**
 * The emulator's request records and log lines.
 *
 * @example
 * ```ts
 * const log = new RequestLog(console.log);
 * const started = log.start();
 * log.answered(request, 200, started); // GET /v2/presence/…?uuid=me&auth=*** → 200 heartbeat 0.1ms
 * ```
 */
export class RequestLog {
  private readonly records = new Subject<EmulatorRequestRecord>();
  /** Hot: one record per answered request; see `Emulator.requests$`. */
  readonly requests$ = this.records.asObservable();

  constructor(private readonly log: ((line: string) => void) | undefined) {}

  /** When a request started, for the log's timing: read only when there is a log. */
  start(): number {
    return this.log === undefined ? 0 : performance.now();
  }

  /** Whether anything reads what is reported: a record nobody observes is not even built. */
  get active(): boolean {
    return this.log !== undefined || this.records.observed;
  }

  /**
   * A request answered (`status` 0: nothing was sent, a `reset` or `hang` fault), as asking for
   * `operation` (by default what the pipeline read of it, see `IncomingRequest.operation`).
   */
  answered(request: IncomingRequest, status: number, started: number, fault?: EmulatorFaultKind, operation = request.operation): void {
    const { method, path } = request;
    if (this.records.observed) {
      const query = recordedQuery(request.readableQuery());
      this.records.next(fault === undefined ? { method, path, query, status, operation } : { method, path, query, status, operation, fault });
    }
    const what = fault === undefined ? `${status} ${operation}` : `${status} ${operation} (fault: ${fault})`;
    this.line(`${method} ${shown(request.url)} → ${what}`, started);
  }

  /** A held subscribe the client gave up on: logged, not recorded. */
  abandoned(request: IncomingRequest, started: number): void {
    this.line(`${request.method} ${shown(request.url)} → abandoned subscribe`, started);
  }

  /** A request Node could not parse (`code` says why), answered with `status` on the raw socket. */
  unparsed(status: number, code: string | undefined): void {
    if (this.records.observed) this.records.next({ method: '', path: '', query: {}, status, operation: 'unknown' });
    this.line(`- (${code ?? 'unparsed request'}) → ${status} unknown`, this.start());
  }

  /**
   * Something that should never happen, in a request (`internal error`) or in a timer (`expiry
   * failed`…): logged, never thrown.
   */
  error(what: string, error: unknown): void {
    this.log?.(`${what}: ${error instanceof Error ? error.stack : String(error)}`);
  }

  /** Completes `requests$` (on close). */
  complete(): void {
    this.records.complete();
  }

  private line(text: string, started: number): void {
    if (this.log !== undefined) this.log(`${text} ${(performance.now() - started).toFixed(1)}ms`);
  }
}
