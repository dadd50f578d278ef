/**
 * Worker: the throughput case's baseline, a bare `node:http` server answering one fixed reply
 * (status, headers and body copied from the emulator's answer) to every request. Configure with
 * `{ type: 'reply', status, headers, body }` (answered `{ type: 'configured' }`); stop with
 * `{ type: 'stop' }`; `{ type: 'cpu' }` is answered with this process's `cpuUsage()`.
 *
 * Plain JavaScript on plain `node`, as the emulator worker beside it (emulator.cjs).
 */
'use strict';
const { createServer } = require('node:http');

let reply = { type: 'reply', status: 200, headers: {}, body: '' };

const server = createServer({ keepAlive: true }, (_req, res) => {
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
});

process.on('message', (message) => {
  if (message.type === 'reply') {
    reply = message;
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
  const { port } = server.address();
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` });
});
