/**
 * The shared heartbeat loop over real HTTP, against the emulator's limit of 500 channels per
 * request (issue 13, defect 11): two subscriptions valid alone stay valid together, and every
 * channel is left at the end.
 */
import { firstValueFrom, type Subscription } from 'rxjs';
import { startEmulator, type Emulator } from '../../lib/emulator';
import { Keyset } from '../../lib/keyset';
import { Presence } from '../../lib/presence';
import type { HeartbeatEvent } from '../../lib/streams/heartbeat-events';
import { endHeartbeats } from '../../lib/streams/end-heartbeats';
import { randomKey, waitFor } from '../helpers/emulator';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ hereNowCacheMs: 0, maxChannelsPerRequest: 500 });
});
afterAll(() => emulator.close());

const names = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

it('300 channels, then 201 more, in one shared loop: both present, both left', async () => {
  const key = randomKey();
  const alice = new Presence({ defaultKeyset: new Keyset({ subscribeKey: key, userId: 'alice' }), origin: emulator.url, retry: { attempts: 1 } });
  const watcher = new Presence({ defaultKeyset: new Keyset({ subscribeKey: key, userId: 'watcher' }), origin: emulator.url });
  const a = names('a', 300);
  const b = names('b', 201);
  const events: string[] = [];
  const failures: unknown[] = [];
  const refused: string[] = [];
  const watching = emulator.requests$.subscribe((r) => r.status >= 400 && refused.push(`${r.status} ${r.operation}`));
  const record = (who: string) => ({ next: (e: HeartbeatEvent) => events.push(`${who} ${e.type}`), error: (e: unknown) => failures.push(e) });
  const subscriptions: Subscription[] = [alice.heartbeat$({ channels: a, heartbeat: 60, interval: 20 }).subscribe(record('A'))];
  await waitFor(() => events.includes('A ok'), 5000, "A's first heartbeat");
  subscriptions.push(alice.heartbeat$({ channels: b, heartbeat: 60, interval: 20 }).subscribe(record('B')));
  await waitFor(() => events.includes('B ok') || failures.length > 0, 5000, "B's first heartbeat");
  expect(failures).toEqual([]);
  expect((await firstValueFrom(watcher.whereNow({ uuid: 'alice' }))).channels.length).toBe(501);

  for (const subscription of subscriptions) subscription.unsubscribe();
  await endHeartbeats(alice.context, 3000);
  expect(failures).toEqual([]);
  // Every leave went through: alice is nowhere any more.
  expect((await firstValueFrom(watcher.whereNow({ uuid: 'alice' }))).channels).toEqual([]);
  watching.unsubscribe();
  expect(refused).toEqual([]);
});
