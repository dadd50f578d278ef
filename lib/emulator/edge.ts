/**
 * Answers the HTTP edge gives on its own, before (or instead of) the service's pipeline: CORS
 * preflights, and requests Node could not parse. (A connection over the cap gets
 * `replies.tooManyConnections()`.)
 */
import { replies, type Reply } from './pipeline/responses';

/** What a CORS preflight is told; `Access-Control-Max-Age` as long as browsers keep one (Chromium caps it at 2 h). */
const PREFLIGHT_MAX_AGE_SECONDS = '7200';
/** Request headers a preflight may ask for and get echoed back: a plain list of header names. */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/**
 * The answer to a CORS preflight (a browser asking before a cross-origin request with a custom
 * header): 204 allowing any origin, our methods and the headers asked for, as the real service
 * does. Never faulted: faults model the service, and its edge answers preflights itself.
 *
 * @example
 * ```ts
 * preflightReply('x-request-id').headers; // { 'Access-Control-Max-Age': '7200', 'Access-Control-Allow-Headers': 'x-request-id' }
 * ```
 */
export function preflightReply(askedHeaders: string | string[] | undefined): Reply {
  const echoed = typeof askedHeaders === 'string' && askedHeaders.length <= 1024 && HEADER_LIST.test(askedHeaders);
  return {
    status: 204,
    body: '',
    contentType: '',
    server: '',
    headers: echoed
      ? { 'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_SECONDS, 'Access-Control-Allow-Headers': askedHeaders }
      : { 'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_SECONDS },
  };
}

/** What Node tells us about a request it could not parse (`clientError`). */
type ClientError = NodeJS.ErrnoException & { rawPacket?: unknown; bytesParsed?: unknown };

/**
 * Which limit a header overflow (`HPE_HEADER_OVERFLOW`) hit. Node counts the request target and the
 * headers together against its header limit, and stops at the end of the piece it was reading in
 * the current chunk (`rawPacket`, up to `bytesParsed`): a target is followed by the space before
 * `HTTP/1.1` (414), a header name ends with `:` and a header value with `\r` (431). When the piece
 * runs past the chunk, a space or tab in it can only be a header value; otherwise it is taken for
 * the target.
 */
const overflowReply = (error: ClientError): Reply => {
  const { rawPacket: packet, bytesParsed: at } = error;
  if (!Buffer.isBuffer(packet) || typeof at !== 'number' || at <= 0 || at > packet.length) return replies.uriTooLong();
  const last = packet[at - 1];
  if (last === 0x0d || last === 0x3a) return replies.headersTooLarge();
  if (at < packet.length) return packet[at] === 0x20 ? replies.uriTooLong() : replies.headersTooLarge();
  return packet.includes(0x20) || packet.includes(0x09) ? replies.headersTooLarge() : replies.uriTooLong();
};

/**
 * The service's JSON answer to a request Node could not parse, instead of Node's bare status line:
 * 414 or 431 for a request line or headers beyond the header limit, 408 for one too slow to
 * arrive, 400 `Could Not Parse Request` for anything else.
 *
 * @example
 * ```ts
 * clientErrorReply(Object.assign(new Error('timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' })).status; // 408
 * ```
 */
export function clientErrorReply(error: ClientError): Reply {
  if (error.code === 'HPE_HEADER_OVERFLOW') return overflowReply(error);
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return replies.requestTimeout();
  return replies.couldNotParse();
}
