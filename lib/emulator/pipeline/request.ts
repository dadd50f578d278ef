import type { EmulatorOperation } from '../types';
import { RequestQuery } from './query';
import { matchRoute, type NotFound, type Route } from './router';

/**
 * One request as the pipeline reads it: the URL is split into path and query once, here, and the
 * path is routed and the query parsed at most once each, when a stage first asks (a request refused
 * early never pays for either). What has been read is what `requests$` and the log report.
 *
 * @example
 * ```ts
 * const request = new IncomingRequest('GET', '/v2/presence/sub-key/demo/channel/lobby?uuid=me');
 * request.path;             // '/v2/presence/sub-key/demo/channel/lobby'
 * request.route().operation; // 'hereNow'
 * request.query().get('uuid'); // 'me'
 * ```
 */
export class IncomingRequest {
  /** The path as sent, still percent-encoded (what a signature covers). */
  readonly path: string;
  /** The query string after `?`, `''` when there is none. */
  readonly search: string;
  private routed: Route | NotFound | undefined;
  /** What routing threw (a bad escape): thrown again to every later caller. */
  private routeError: unknown;
  private parsed: RequestQuery | undefined;
  /** What parsing the query threw: thrown again to every later caller. */
  private queryError: unknown;

  constructor(
    readonly method: string,
    /** The request target as received, for the log. */
    readonly url: string,
  ) {
    const queryAt = url.indexOf('?');
    this.path = queryAt < 0 ? url : url.slice(0, queryAt);
    this.search = queryAt < 0 ? '' : url.slice(queryAt + 1);
  }

  /** The endpoint the path names. Throws `MalformedEncodingError` for a bad escape in a name. */
  route(): Route | NotFound {
    if (this.routed !== undefined) return this.routed;
    if (this.routeError !== undefined) throw this.routeError;
    try {
      return (this.routed = matchRoute(this.path));
    } catch (error) {
      throw (this.routeError = error);
    }
  }

  /**
   * What the request asks for, as far as it has been read: `unknown` until it has been routed (a
   * request refused before that, a 414 say, is reported as `unknown`), and for a path that could
   * not be read.
   */
  get operation(): EmulatorOperation {
    return this.routed === undefined ? 'unknown' : this.routed.operation;
  }

  /** Routes the request if nobody has yet, for a decision that needs the operation (faults). */
  operationOf(): EmulatorOperation {
    try {
      return this.route().operation;
    } catch {
      return 'unknown';
    }
  }

  /** The parsed query. Throws `MalformedEncodingError` for a bad escape. */
  query(): RequestQuery {
    if (this.parsed !== undefined) return this.parsed;
    if (this.queryError !== undefined) throw this.queryError;
    try {
      return (this.parsed = RequestQuery.parse(this.search));
    } catch (error) {
      throw (this.queryError = error);
    }
  }

  /** The parsed query for a record: `undefined` when it cannot be parsed. */
  readableQuery(): RequestQuery | undefined {
    try {
      return this.query();
    } catch {
      return undefined;
    }
  }
}
