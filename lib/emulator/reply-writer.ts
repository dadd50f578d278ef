import { STATUS_CODES, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Reply } from './pipeline/responses';

/**
 * The one place replies become HTTP: every answer the emulator gives, from the pipeline or from the
 * HTTP edge, goes out through {@link ReplyWriter.write}, or through {@link ReplyWriter.writeRaw}
 * for a request Node could not parse (it hands us a bare socket then, not a response). Both write
 * the same headers: the common ones, the reply's own, and `Content-Length`.
 *
 * The common headers are one object per (content type, server) kept and reused: only
 * `Content-Length` changes, and Node serialises the object in `writeHead` at once.
 *
 * @example
 * ```ts
 * const writer = new ReplyWriter();
 * writer.write(res, replies.heartbeat());
 * ```
 */
export class ReplyWriter {
  private readonly byType = new Map<string, Map<string, OutgoingHttpHeaders>>();

  /** Writes `reply` as the whole answer to `res`. */
  write(res: ServerResponse, reply: Reply): void {
    const headers = this.headersOf(reply);
    headers['Content-Length'] = Buffer.byteLength(reply.body);
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  }

  /**
   * Writes `reply` on a socket whose request Node could not parse, then ends it: the status line
   * and headers by hand (with `Connection: close`), since there is no response object to use.
   */
  writeRaw(socket: Socket, reply: Reply): void {
    const headers = { ...this.headersOf(reply), 'Content-Length': Buffer.byteLength(reply.body), Connection: 'close' };
    let head = `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? ''}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${String(value)}\r\n`;
    socket.end(`${head}\r\n${reply.body}`);
  }

  /** The headers of `reply`: the shared object when it has none of its own, else a copy with them. */
  private headersOf(reply: Reply): OutgoingHttpHeaders {
    const common = this.common(reply.contentType, reply.server);
    return reply.headers === undefined ? common : { ...common, ...reply.headers };
  }

  private common(contentType: string, server: string): OutgoingHttpHeaders {
    let byServer = this.byType.get(contentType);
    if (!byServer) this.byType.set(contentType, (byServer = new Map()));
    let headers = byServer.get(server);
    if (!headers) {
      // A reply without a body (a CORS preflight) carries only what lets a browser use the answer.
      headers =
        contentType === ''
          ? { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'OPTIONS, GET, POST', 'Content-Length': 0 }
          : {
              'Content-Type': contentType,
              'Content-Length': 0,
              'Access-Control-Allow-Origin': '*',
              'Access-Control-Allow-Methods': 'OPTIONS, GET, POST',
              'Cache-Control': 'no-cache',
              'Accept-Ranges': 'bytes',
              Age: '0',
              Server: server,
            };
      byServer.set(server, headers);
    }
    return headers;
  }
}
