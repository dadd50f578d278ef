/**
 * Worker: runs the emulator in its own process, so the client being measured does not share an
 * event loop (or a CPU) with it. Seeds `occupants` uuids on `channel` of `subscribeKey`, then
 * sends `{ type: 'ready', url }` and stays up until it receives `{ type: 'stop' }`. `{ type: 'cpu' }`
 * is answered with this process's `cpuUsage()`.
 *
 * argv: subscribeKey channel occupants hereNowCacheMs
 *
 * Plain JavaScript on plain `node`, like bare-server.cjs: users run the emulator from dist/ with
 * no loader (the `rx-presence-emulator` bin), and tsx's hooks in a measured process cost some 7%
 * of its CPU per request (bench/index.ts, on the throughput case). The parent warns when dist/ is
 * older than lib/ (../package.ts).
 */
'use strict';
const { join } = require('node:path');
const { EmulatorServer } = require(join(__dirname, '..', '..', 'dist', 'cjs', 'emulator', 'server.js'));

async function main() {
  const [subscribeKey = 'bench', channel = 'lobby', occupants = '20', cacheMs = '3000'] = process.argv.slice(2);
  const emulator = await EmulatorServer.start({ hereNowCacheMs: Number(cacheMs) });
  const { presence } = emulator.keyspaces.write(subscribeKey);
  for (let i = 0; i < Number(occupants); i++) presence.heartbeat(`occupant-${i}`, [channel], 300);
  process.on('message', (message) => {
    if (message.type === 'cpu') process.send?.({ type: 'cpu', ...process.cpuUsage() });
    if (message.type !== 'stop') return;
    void emulator.close().then(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', url: emulator.url });
}

void main();
