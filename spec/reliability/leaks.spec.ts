import { firstValueFrom, take, timer } from 'rxjs';
import { startEmulator, type Emulator } from '../../lib/emulator';
import { Keyset } from '../../lib/keyset';
import { Presence } from '../../lib/presence';
import { endHeartbeats } from '../../lib/streams/end-heartbeats';
import { randomKey } from '../helpers/emulator';

const CYCLES = 1000;
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ hereNowCacheMs: 0 });
});
afterAll(() => emulator.close());

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

async function settle(presence: Presence) {
  await endHeartbeats(presence.context, 5000);
  await firstValueFrom(timer(50));
}

describe('nothing is left behind after thousands of subscribe/unsubscribe cycles', () => {
  it(`heartbeat$, hereNow$, presenceEvents$ and one-shot calls, ${CYCLES} cycles each`, async () => {
    const key = randomKey();
    const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey: key, userId: 'me' }), origin: emulator.url });
    const watcher = new Presence({ defaultKeyset: new Keyset({ subscribeKey: key, userId: 'watcher' }), origin: emulator.url });
    // Someone always there, so that every presenceEvents$ has a first join to report.
    await firstValueFrom(watcher.announceHeartbeat({ channels: ['room-0', 'room-1', 'room-2'], heartbeat: 300 }));
    const baselineTimers = timers();
    let leaves = 0;
    const counting = emulator.requests$.subscribe((r) => (r.operation === 'leave' && r.path.includes(key) ? leaves++ : undefined));

    for (let i = 0; i < CYCLES; i++) {
      // Each waits for its first value, then unsubscribes: the real life of a short-lived component.
      await firstValueFrom(presence.heartbeat$({ channels: ['lobby', `room-${i % 3}`], heartbeat: 60 }));
      await firstValueFrom(watcher.hereNow$({ channels: ['lobby'], interval: 10 }));
      await firstValueFrom(watcher.presenceEvents$({ channels: [`room-${i % 3}`], interval: 10 }).pipe(take(1)));
      await firstValueFrom(presence.whereNow());
      // Subscribed and dropped before anything is sent: must cost nothing and leave nothing.
      presence.heartbeat$({ channels: ['x'] }).subscribe().unsubscribe();
      watcher.hereNow$({ channels: ['y'] }).subscribe().unsubscribe();
    }
    await settle(presence);
    counting.unsubscribe();

    expect(presence.context.loops.heartbeats.size).toBe(0);
    expect(watcher.context.loops.polls.size).toBe(0);
    // The emulator shares this process and keeps a few timers of its own (keep-alive sockets,
    // sweeps); a leak per cycle would show as thousands.
    expect(timers()).toBeLessThanOrEqual(baselineTimers + 5);
    // Every heartbeat$ that announced left exactly once (the aborted ones may or may not have).
    expect(leaves).toBeGreaterThanOrEqual(CYCLES);
    expect(leaves).toBeLessThanOrEqual(2 * CYCLES);
    const here = await firstValueFrom(watcher.hereNow({ channels: ['lobby', 'room-0', 'room-1', 'room-2'] }));
    expect(here.channels.get('lobby')?.count ?? 0).toBe(0);
    for (const room of ['room-0', 'room-1', 'room-2']) expect([...here.channels.get(room)!.uuids.keys()]).toEqual(['watcher']);
    // Connections: the client keeps a small keep-alive pool, not one per cycle.
    expect(emulator.openConnections()).toBeLessThanOrEqual(10);
  }, 120_000);
});
