import { filter, firstValueFrom, type Subscription } from 'rxjs';
import { startEmulator, type Emulator, type EmulatorRequestRecord } from '../../lib/emulator';
import { Keyset } from '../../lib/keyset';
import { Presence } from '../../lib/presence';
import type { PresenceEvent } from '../../lib/types';
import { randomKey, waitFor } from '../helpers/emulator';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ hereNowCacheMs: 0 });
});
afterAll(() => emulator.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function clientFor(subscribeKey: string, userId: string) {
  return new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId }), origin: emulator.url });
}


const present = async (watcher: Presence, channel: string) =>
  [...((await firstValueFrom(watcher.hereNow({ channels: [channel] }))).channels.get(channel)?.uuids.keys() ?? [])];

describe('streams against the emulator (real time, short intervals)', () => {
  it('heartbeat$ puts me in here now; unsubscribing removes me at once', async () => {
    const key = randomKey();
    const alice = clientFor(key, 'alice');
    const watcher = clientFor(key, 'watcher');
    const subscription = alice.heartbeat$({ channels: ['lobby'], heartbeat: 10, interval: 4 }).subscribe();
    await waitFor(async () => (await present(watcher, 'lobby')).includes('alice'), 2000, 'alice present');
    subscription.unsubscribe();
    await waitFor(async () => (await present(watcher, 'lobby')).length === 0, 500, 'alice gone after her leave');
  });

  it('a user who stops without a leave is gone after the presence timeout', async () => {
    const key = randomKey();
    const bob = clientFor(key, 'bob');
    await firstValueFrom(bob.announceHeartbeat({ channels: ['lobby'], heartbeat: 2 }));
    expect(await present(bob, 'lobby')).toEqual(['bob']);
    const started = Date.now();
    await waitFor(async () => (await present(bob, 'lobby')).length === 0, 5000, 'bob timed out');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  });

  it('presenceEvents$ reports the join, the leave and the timeout', async () => {
    const key = randomKey();
    const watcher = clientFor(key, 'watcher');
    const events: PresenceEvent[] = [];
    const watching = watcher.presenceEvents$({ channels: ['lobby'], interval: 3 }).subscribe((e) => events.push(e));
    const alice = clientFor(key, 'alice').heartbeat$({ channels: ['lobby'], heartbeat: 10, interval: 4 }).subscribe();
    await firstValueFrom(clientFor(key, 'bob').announceHeartbeat({ channels: ['lobby'], heartbeat: 2 }));
    const seen = (action: string, uuid: string) => events.some((e) => e.action === action && e.uuid === uuid);
    await waitFor(() => seen('join', 'alice') && seen('join', 'bob'), 5000, 'two joins');
    alice.unsubscribe();
    await waitFor(() => seen('leave', 'alice') && seen('leave', 'bob'), 9000, 'the leave and the timeout');
    watching.unsubscribe();
    expect(events.filter((e) => e.action === 'leave').map((e) => e.uuid).sort()).toEqual(['alice', 'bob']);
    expect(events.every((e) => e.channel === 'lobby')).toBe(true);
  }, 20_000);

  it('50 heartbeat$ and 50 hereNow$ on overlapping channels cost one heartbeat and one here-now per interval', async () => {
    const key = randomKey();
    const requests: EmulatorRequestRecord[] = [];
    const recording = emulator.requests$.pipe(filter((r) => r.path.includes(key))).subscribe((r) => requests.push(r));
    const presence = clientFor(key, 'me');
    const subscriptions: Subscription[] = [];
    const started = Date.now();
    for (let i = 0; i < 50; i++) {
      const channels = ['lobby', `room-${i % 7}`, `room-${(i + 1) % 7}`];
      subscriptions.push(presence.heartbeat$({ channels, heartbeat: 5, interval: 1 }).subscribe());
      subscriptions.push(presence.hereNow$({ channels, interval: 3 }).subscribe());
    }
    await sleep(6500 - (Date.now() - started));
    subscriptions.forEach((s) => s.unsubscribe());
    await waitFor(() => requests.some((r) => r.operation === 'leave'), 2000, 'the leave');
    await sleep(200);
    recording.unsubscribe();

    const count = (operation: string) => requests.filter((r) => r.operation === operation).length;
    // Heartbeats at 0, 1, … 6 s; here-now at 0, 3 and 6 s; one leave at the end.
    expect(count('heartbeat')).toBe(7);
    expect(count('hereNow')).toBe(3);
    expect(count('leave')).toBe(1);
    const union = ['lobby', ...Array.from({ length: 7 }, (_, i) => `room-${i}`)].sort();
    for (const r of requests) {
      const channels = decodeURIComponent(/\/channel\/([^/]+)/.exec(r.path)![1]).split(',').sort();
      expect(channels).toEqual(union);
    }
  }, 15_000);
});
