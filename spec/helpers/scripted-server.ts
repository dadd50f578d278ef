import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the scripted server does with one request. */
export type Script = (req: IncomingMessage, res: ServerResponse, socket: Socket) => void;

/**
 * A small programmable HTTP server on 127.0.0.1 for failure cases the emulator should never
 * produce on its own (HTML pages, truncated JSON, resets, hangs). Counts requests, and records
 * those whose connection closed before their answer was finished (`closedRequests`).
 */
export async function scriptedServer(script: Script) {
  const sockets = new Set<Socket>();
  const closedRequests: string[] = [];
  let hits = 0;
  const server = createServer((req, res) => {
    hits += 1;
    // A connection dropped before the answer was finished: what an abort looks like from here.
    // Removed once answered, so keep-alive sockets do not collect one listener per request.
    const onClose = () => closedRequests.push(req.url ?? '');
    req.socket.on('close', onClose);
    res.on('finish', () => req.socket.off('close', onClose));
    script(req, res, req.socket);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get hits() {
      return hits;
    },
    closedRequests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers with a status, a body and optional headers. */
export const answer =
  (status: number, body: string | object, headers: Record<string, string> = {}): Script =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/javascript; charset="UTF-8"', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
