/**
 * Issue 13, defect 2: sockets that send half a request and never read used to keep their
 * connection slot for ever. The 408 path half-closed the socket (`end()`), and a client that never
 * reads never sees that FIN, so the socket never closed and every later connection got 503 `Too
 * many connections`. Now the server destroys the socket once the 408 is out (or a moment later if
 * it cannot be written), whatever the client does.
 */
import { connect, type Socket } from 'node:net';
import { startEmulator, type Emulator } from '../../lib/emulator';
import { request, waitFor } from '../helpers/emulator';

const REQUEST_TIMEOUT_MS = 300;
const SLOTS = 8;

let emulator: Emulator;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await emulator.close();
});

/** Connects, writes `text`, and never reads a byte (the socket is paused from the start). */
const silent = (text: string): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = connect(emulator.port, '127.0.0.1');
    socket.pause();
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      socket.write(text);
      resolve(socket);
    });
    socket.once('error', reject);
    sockets.push(socket);
  });

it(`${SLOTS * 2} sockets sending half a request and never reading free every slot shortly after the request timeout`, async () => {
  emulator = await startEmulator({ maxConnections: SLOTS, requestTimeoutMs: REQUEST_TIMEOUT_MS });
  // Every slot taken, and as many again beyond the limit (those would get the 503 once their request arrived).
  for (let i = 0; i < SLOTS * 2; i++) await silent(i % 2 === 0 ? 'GET /time/0 HTTP/1.1\r\nHost: x\r\n' : 'GET /v2/presence/sub-');
  await waitFor(() => emulator.openConnections() === SLOTS * 2, 2_000, 'every socket accepted');
  const refused = await request(emulator, '/time/0');
  expect(refused.status).toBe(503);

  // The request timeout, then Node's check period (as long again), then the 408 and the close.
  await waitFor(() => emulator.openConnections() === 0, 5 * REQUEST_TIMEOUT_MS, 'the half-sent sockets closed');

  expect((await request(emulator, '/time/0')).status).toBe(200);
});

it('a socket that sends a request line and then trickles headers forever is cut off too', async () => {
  emulator = await startEmulator({ maxConnections: 1, requestTimeoutMs: REQUEST_TIMEOUT_MS });
  const socket = await silent('GET /time/0 HTTP/1.1\r\n');
  const trickle = setInterval(() => socket.write('X-Slow: 1\r\n'), 50);
  try {
    await waitFor(() => emulator.openConnections() === 0, 5 * REQUEST_TIMEOUT_MS, 'the trickling socket closed');
  } finally {
    clearInterval(trickle);
  }
  expect((await request(emulator, '/time/0')).status).toBe(200);
});
