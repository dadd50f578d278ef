/**
 * The soak: many simulated users heartbeating against the emulator, joining and leaving all the
 * time, then everyone leaving. It counts what presence must never do under load: a leave that did
 * not take (the user still listed after its leave was answered), and ghosts at the end. It samples
 * the heap after GC to show memory stays flat.
 */
import { firstValueFrom, type Subscription } from 'rxjs';
import { startEmulator } from '../lib/emulator';
import { Keyset } from '../lib/keyset';
import { Presence } from '../lib/presence';
import { endHeartbeats } from '../lib/streams/end-heartbeats';

/** How big and how long. */
export interface SoakOptions {
  readonly users: number;
  readonly seconds: number;
  readonly channels: number;
  /** Share of users replaced each second. */
  readonly churnPerSecond: number;
  readonly log?: (line: string) => void;
}

/** What the soak found. */
export interface SoakReport {
  readonly users: number;
  readonly seconds: number;
  readonly joins: number;
  readonly leavesSent: number;
  /** Users still listed by where-now after their leave was answered. */
  readonly lostLeaves: number;
  /** Occupants still listed after everyone left. */
  readonly ghosts: number;
  readonly heartbeatRequests: number;
  readonly failedHeartbeats: number;
  /** Heap after GC, MiB: after warm-up, and at the end of the run. */
  readonly heapStartMiB: number;
  readonly heapEndMiB: number;
  readonly heapSamplesMiB: readonly number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const gc = (globalThis as { gc?: () => void }).gc;
const heapMiB = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

interface User {
  readonly presence: Presence;
  readonly uuid: string;
  readonly subscription: Subscription;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const emulator = await startEmulator({ hereNowCacheMs: 0 });
  const subscribeKey = 'sub-c-soak';
  let heartbeatRequests = 0;
  let failedHeartbeats = 0;
  const counting = emulator.requests$.subscribe((r) => {
    if (r.operation === 'heartbeat') heartbeatRequests++;
  });
  let next = 0;
  let joins = 0;
  let leavesSent = 0;
  let lostLeaves = 0;
  const users = new Map<string, User>();

  const join = () => {
    const uuid = `user-${next++}`;
    const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: uuid }), origin: emulator.url });
    const channels = [`room-${next % options.channels}`, `room-${(next * 7) % options.channels}`];
    const subscription = presence
      .heartbeat$({ channels, heartbeat: 20, interval: 5, state: { [channels[0]]: { n: next } } })
      .subscribe({ next: (e) => (e.type === 'failed' ? failedHeartbeats++ : undefined), error: () => failedHeartbeats++ });
    users.set(uuid, { presence, uuid, subscription });
    joins++;
  };

  const leave = async (user: User) => {
    users.delete(user.uuid);
    user.subscription.unsubscribe();
    leavesSent++;
    await endHeartbeats(user.presence.context, 5000);
    const { channels } = await firstValueFrom(user.presence.whereNow());
    if (channels.length > 0) lostLeaves++;
  };

  for (let i = 0; i < options.users; i++) join();
  await sleep(1000);
  const heapStartMiB = heapMiB();
  const heapSamplesMiB: number[] = [heapStartMiB];
  // One churn round per second, counted rather than timed: on a loaded machine a round can take
  // longer than its second, and a wall-clock loop then ran fewer rounds (and churned less) than asked.
  for (let second = 1; second <= options.seconds; second++) {
    await sleep(1000);
    const leaving = [...users.values()].slice(0, Math.max(1, Math.round(options.users * options.churnPerSecond)));
    await Promise.all(leaving.map(leave));
    for (let i = 0; i < leaving.length; i++) join();
    if (second % 5 === 0) {
      heapSamplesMiB.push(heapMiB());
      log(`soak: ${second}s, ${users.size} present, ${leavesSent} leaves, ${lostLeaves} lost, heap ${heapSamplesMiB.at(-1)!.toFixed(1)} MiB`);
    }
  }

  await Promise.all([...users.values()].map(leave));
  await sleep(200);
  const everyone = await firstValueFrom(new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: 'auditor' }), origin: emulator.url }).hereNow());
  const heapEndMiB = heapMiB();
  counting.unsubscribe();
  await emulator.close();
  return {
    users: options.users,
    seconds: options.seconds,
    joins,
    leavesSent,
    lostLeaves,
    ghosts: everyone.totalOccupancy,
    heartbeatRequests,
    failedHeartbeats,
    heapStartMiB,
    heapEndMiB,
    heapSamplesMiB,
  };
}
