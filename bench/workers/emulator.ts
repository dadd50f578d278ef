/**
 * Worker: runs the emulator in its own process, so the client being measured does not share an
 * event loop (or a CPU) with it. Seeds `occupants` uuids on `channel` of `subscribeKey`, then
 * sends `{ type: 'ready', url }` and stays up until it receives `{ type: 'stop' }`. `{ type: 'cpu' }`
 * is answered with this process's `cpuUsage()`.
 *
 * argv: subscribeKey channel occupants hereNowCacheMs
 */
import { emulatorServer } from '../package';

// The emulator as users run it (dist/cjs), see ../package.ts.
const { EmulatorServer } = emulatorServer();

async function main(): Promise<void> {
  const [subscribeKey = 'bench', channel = 'lobby', occupants = '20', cacheMs = '3000'] = process.argv.slice(2);
  const emulator = await EmulatorServer.start({ hereNowCacheMs: Number(cacheMs) });
  const { presence } = emulator.keyspaces.write(subscribeKey);
  for (let i = 0; i < Number(occupants); i++) presence.heartbeat(`occupant-${i}`, [channel], 300);
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'cpu') process.send?.({ type: 'cpu', ...process.cpuUsage() });
    if (message.type !== 'stop') return;
    void emulator.close().then(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', url: emulator.url });
}

void main();
