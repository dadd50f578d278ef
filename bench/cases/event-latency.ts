/**
 * Case 6 (issue 8): how late a presence change reaches the user. A user joins (heartbeat) and
 * leaves (leave) in turns; two watchers on the same channel record when each change arrives:
 * `events$` over the subscribe long-poll, and `presenceEvents$` polling here-now at its minimum
 * interval (3 s) against the emulator's default 3 s here-now cache, as on the real service.
 * Latency = arrival − the moment the heartbeat or leave was answered.
 */
import { firstValueFrom } from 'rxjs';
import { row, type BenchContext, type Row } from '../harness';
import { emulatorPkg, pkg } from '../package';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runEventLatency(ctx: BenchContext): Promise<Row[]> {
  const { Keyset, Presence } = pkg();
  const { startEmulator } = emulatorPkg();
  const rounds = ctx.quick ? 1 : 4;
  // The quick run (a smoke test of the harness) skips the cache so that it can dwell less.
  const cacheMs = ctx.quick ? 0 : 3000;
  const dwellMs = ctx.quick ? 3500 : 7000;
  const emulator = await startEmulator({ hereNowCacheMs: cacheMs });
  const key = 'sub-c-latency';
  const client = (userId: string) => new Presence({ defaultKeyset: new Keyset({ subscribeKey: key, userId }), origin: emulator.url });
  const arrivals = { subscribe: new Map<string, number>(), poll: new Map<string, number>() };
  const stamp = (map: Map<string, number>) => (e: { action: string; uuid: string }) => {
    const id = `${e.action === 'timeout' ? 'leave' : e.action} ${e.uuid}`;
    if (!map.has(id)) map.set(id, performance.now());
  };
  const live = client('watcher-live').events$({ channels: ['lobby'], initial: 'skip' }).subscribe(stamp(arrivals.subscribe));
  const polled = client('watcher-poll').presenceEvents$({ channels: ['lobby'], interval: 3, initial: 'skip' }).subscribe(stamp(arrivals.poll));
  await sleep(500);

  const sent = new Map<string, number>();
  for (let i = 0; i < rounds; i++) {
    const user = client(`user-${i}`);
    await firstValueFrom(user.announceHeartbeat({ channels: ['lobby'] }));
    sent.set(`join user-${i}`, performance.now());
    // Long enough that polling sees the visit at all: interval plus cache can hide a shorter one.
    await sleep(dwellMs);
    await firstValueFrom(user.announceLeave({ channels: ['lobby'] }));
    sent.set(`leave user-${i}`, performance.now());
    await sleep(dwellMs);
  }
  live.unsubscribe();
  polled.unsubscribe();
  await emulator.close();

  const latencies = (map: Map<string, number>, action: string) =>
    [...sent].filter(([id]) => id.startsWith(action)).map(([id, at]) => (map.has(id) ? map.get(id)! - at : Number.NaN));
  return (['join', 'leave'] as const).map((action) => {
    const ours = latencies(arrivals.subscribe, action);
    const peer = latencies(arrivals.poll, action);
    return row({
      case: 'event-latency',
      variant: `${action}: events$ (subscribe) vs presenceEvents$ (poll every 3 s, ${cacheMs / 1000} s cache), ${rounds} changes`,
      samples: ours,
      unit: 'ms',
      peer: 'presenceEvents$ polling',
      peerSamples: peer,
      goal: '< 1× peer',
      check: (ratio) => ratio < 1,
      ...(ours.some(Number.isNaN) || peer.some(Number.isNaN) ? { note: 'some changes never arrived' } : {}),
    });
  });
}
