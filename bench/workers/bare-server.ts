/**
 * Worker: the throughput case's baseline, a bare `node:http` server answering one fixed reply
 * (status, headers and body copied from the emulator's answer) to every request. Configure with
 * `{ type: 'reply', status, headers, body }` (answered `{ type: 'configured' }`); stop with
 * `{ type: 'stop' }`; `{ type: 'cpu' }` is answered with this process's `cpuUsage()`.
 */
import { createServer, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

interface FixedReply {
  readonly type: 'reply';
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: string;
}

let reply: FixedReply = { type: 'reply', status: 200, headers: {}, body: '' };

const server = createServer({ keepAlive: true }, (_req, res) => {
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
});

process.on('message', (message: { type?: string }) => {
  if (message.type === 'reply') {
    reply = message as FixedReply;
    process.send?.({ type: 'configured' });
  } else if (message.type === 'cpu') {
    process.send?.({ type: 'cpu', ...process.cpuUsage() });
  } else if (message.type === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` });
});
