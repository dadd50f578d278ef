/**
 * events$ over the emulator's subscribe long-poll, with real HTTP and short timeouts: side by
 * side with the official SDK's listener, across dropped connections, gaps, interval mode, and
 * cancellation.
 */
import crossFetch from 'cross-fetch';
import * as t from 'io-ts';
import { firstValueFrom, type Subscription } from 'rxjs';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../lib/emulator';
import { Keyset } from '../../lib/keyset';
import { Presence } from '../../lib/presence';
import type { FetchLike } from '../../lib/transport/fetch-transport';
import type { PresenceEvent } from '../../lib/types';
import { randomKey, sdkFor, waitFor } from '../helpers/emulator';

let emulator: Emulator;
let key: string;
const cleanups: Array<() => unknown> = [];

async function start(options: EmulatorOptions = {}) {
  emulator = await startEmulator({ hereNowCacheMs: 0, ...options });
  key = randomKey();
}
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await emulator.close();
});

function client(userId: string, fetch?: FetchLike) {
  return new Presence({ defaultKeyset: new Keyset({ subscribeKey: key, userId }), origin: emulator.url, ...(fetch ? { fetch } : {}) });
}

function watch(presence: Presence, options: Parameters<Presence['events$']>[0]) {
  const events: PresenceEvent[] = [];
  const subscription: Subscription = presence.events$(options).subscribe({ next: (e) => events.push(e), error: (e: unknown) => events.push({ error: e } as never) });
  cleanups.push(() => subscription.unsubscribe());
  return { events, subscription };
}


const summary = (e: { action: string; uuid: string; occupancy: number; state?: unknown }) => ({ action: e.action, uuid: e.uuid, occupancy: e.occupancy, state: e.state });

describe('events$ against the emulator', () => {
  it('receives the same events as the official SDK listener for the same session', async () => {
    await start({ announceMax: 20 });
    type SdkEvent = { action: string; uuid: string; occupancy: number; timetoken: string };
    const sdkEvents: SdkEvent[] = [];
    const sdk = sdkFor(emulator, key, 'sdk-watcher');
    cleanups.push(() => sdk.destroy(true));
    const channel = sdk.channel('lobby').subscription({ receivePresenceEvents: true });
    channel.onPresence = (event) => sdkEvents.push(event as unknown as SdkEvent);
    channel.subscribe();
    await waitFor(() => sdkEvents.some((e) => e.action === 'join' && e.uuid === 'sdk-watcher'), 3000, 'the SDK watching');

    const ours = watch(client('rx-watcher'), { channels: ['lobby'], initial: 'skip' });
    await waitFor(() => emulator.heldSubscribes() >= 2, 3000, 'our long-poll held');
    const mark = sdkEvents.length;

    // The session: bob joins with state, changes it, leaves; carol joins and stops (times out).
    const bob = client('bob');
    const bobPresence = bob.heartbeat$({ channels: ['lobby'], heartbeat: 30, interval: 10, state: { lobby: { mood: 'hi' } } }).subscribe();
    await waitFor(() => ours.events.length >= 1, 3000, 'bob joins');
    await firstValueFrom(bob.setState({ mood: 'busy' }, { channels: ['lobby'] }));
    await waitFor(() => ours.events.length >= 2, 3000, 'bob changes state');
    bobPresence.unsubscribe();
    await waitFor(() => ours.events.length >= 3, 3000, 'bob leaves');
    await firstValueFrom(client('carol').announceHeartbeat({ channels: ['lobby'], heartbeat: 2 }));
    await waitFor(() => ours.events.length >= 5, 6000, 'carol joins and times out');

    const theirs = sdkEvents.slice(mark).filter((e) => e.uuid !== 'rx-watcher');
    expect(ours.events.map(summary)).toEqual([
      { action: 'join', uuid: 'bob', occupancy: 2, state: { mood: 'hi' } },
      { action: 'state-change', uuid: 'bob', occupancy: 2, state: { mood: 'busy' } },
      { action: 'leave', uuid: 'bob', occupancy: 1, state: { mood: 'busy' } },
      { action: 'join', uuid: 'carol', occupancy: 2, state: undefined },
      { action: 'timeout', uuid: 'carol', occupancy: 1, state: undefined },
    ]);
    expect(theirs.map((e) => ({ action: e.action, uuid: e.uuid, occupancy: e.occupancy }))).toEqual(ours.events.map((e) => ({ action: e.action, uuid: e.uuid, occupancy: e.occupancy })));
    expect(ours.events.map((e) => e.timetoken)).toEqual(theirs.map((e) => e.timetoken));
    // Watching is not being present.
    const here = await firstValueFrom(client('auditor').hereNow({ channels: ['lobby'] }));
    expect([...here.channels.get('lobby')!.uuids.keys()]).toEqual(['sdk-watcher']);
  }, 20_000);

  it('catches up after a dropped connection: nothing lost, nothing twice', async () => {
    await start();
    let down = false;
    const flaky: FetchLike = (url, init) => (down ? Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })) : (crossFetch as unknown as FetchLike)(url, init));
    const ours = watch(client('watcher', flaky), { channels: ['lobby'], initial: 'skip', reconnectDelay: 0.2 });
    await waitFor(() => emulator.heldSubscribes() === 1, 3000, 'the long-poll held');
    down = true;
    await firstValueFrom(client('a').announceHeartbeat({ channels: ['lobby'] })); // answers the held poll: its next request fails
    await new Promise((r) => setTimeout(r, 300));
    for (const who of ['b', 'c']) await firstValueFrom(client(who).announceHeartbeat({ channels: ['lobby'] }));
    await firstValueFrom(client('a').announceLeave({ channels: ['lobby'] }));
    expect(ours.events.map((e) => e.uuid)).toEqual(['a']);
    down = false;
    await waitFor(() => ours.events.length >= 4, 5000, 'the catch-up');
    await new Promise((r) => setTimeout(r, 200));
    expect(ours.events.map((e) => `${e.action} ${e.uuid} ${e.occupancy}`)).toEqual(['join a 1', 'join b 2', 'join c 3', 'leave a 2']);
  }, 15_000);

  it('repairs a gap the buffer could not cover with a here-now, inventing nothing', async () => {
    await start({ eventBufferSize: 2 });
    let down = false;
    const flaky: FetchLike = (url, init) =>
      down && url.includes('/v2/subscribe/') ? Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })) : (crossFetch as unknown as FetchLike)(url, init);
    const ours = watch(client('watcher', flaky), { channels: ['lobby'], initial: 'skip', reconnectDelay: 0.2 });
    await waitFor(() => emulator.heldSubscribes() === 1, 3000, 'the long-poll held');
    down = true;
    await firstValueFrom(client('u0').announceHeartbeat({ channels: ['lobby'] }));
    for (let i = 1; i <= 6; i++) await firstValueFrom(client(`u${i}`).announceHeartbeat({ channels: ['lobby'] }));
    await firstValueFrom(client('u6').announceLeave({ channels: ['lobby'] }));
    down = false;
    await waitFor(() => new Set(ours.events.filter((e) => e.action === 'join').map((e) => e.uuid)).size >= 6, 5000, 'the repair');
    await new Promise((r) => setTimeout(r, 300));
    // Everyone present was reported once; u6 came and went inside the gap, and if seen at all it
    // is as a join then a leave, never a leave alone.
    const joined = ours.events.filter((e) => e.action === 'join').map((e) => e.uuid);
    expect(new Set(joined)).toEqual(new Set(['u0', 'u1', 'u2', 'u3', 'u4', 'u5', ...(joined.includes('u6') ? ['u6'] : [])]));
    expect(joined.length).toBe(new Set(joined).size);
    const left = ours.events.filter((e) => e.action === 'leave').map((e) => e.uuid);
    expect(left.every((u) => joined.includes(u))).toBe(true);
    expect(ours.events.at(-1)!.occupancy).toBe(6);
    // The repair shows as events without a timetoken: they come from the here-now diff.
    expect(ours.events.some((e) => e.timetoken === undefined)).toBe(true);
  }, 15_000);

  it('interval mode: expands deltas into per-user events, and repairs on here_now_refresh', async () => {
    // An interval long enough that the 450 joins below land in one even on a loaded machine.
    await start({ announceMax: 2, presenceIntervalMs: 3000 });
    const ours = watch(client('watcher'), { channels: ['lobby'], initial: 'skip' });
    await waitFor(() => emulator.heldSubscribes() === 1, 3000, 'the long-poll held');
    for (let i = 0; i < 5; i++) await firstValueFrom(client(`u${i}`).announceHeartbeat({ channels: ['lobby'] }));
    await waitFor(() => ours.events.length >= 5, 4000, 'five joins');
    expect(ours.events.map((e) => `${e.action} ${e.uuid}`).sort()).toEqual(['join u0', 'join u1', 'join u2', 'join u3', 'join u4']);
    await firstValueFrom(client('u4').announceLeave({ channels: ['lobby'] }));
    await waitFor(() => ours.events.length >= 6, 7000, 'the leave through an interval');
    expect(ours.events[5]).toMatchObject({ action: 'leave', uuid: 'u4', occupancy: 4, timetoken: expect.stringMatching(/^\d{17}$/) });

    // Enough joins in one interval that the deltas would pass 32 KiB: here_now_refresh.
    const many = Array.from({ length: 450 }, (_, i) => `user-with-a-rather-long-name-${String(i).padStart(4, '0')}-${'x'.repeat(40)}`);
    for (let i = 0; i < many.length; i += 50) await Promise.all(many.slice(i, i + 50).map((u) => firstValueFrom(client(u).announceHeartbeat({ channels: ['lobby'] }))));
    await waitFor(() => ours.events.length >= 6 + many.length, 10_000, 'the repair after here_now_refresh');
    const joinedLater = new Set(ours.events.slice(6).filter((e) => e.action === 'join').map((e) => e.uuid));
    expect(joinedLater).toEqual(new Set(many));
    expect(ours.events.slice(6).some((e) => e.timetoken === undefined)).toBe(true);
  }, 30_000);

  it('unsubscribing aborts the long-poll', async () => {
    await start();
    const { subscription } = watch(client('watcher'), { channels: ['lobby'] });
    await waitFor(() => emulator.heldSubscribes() === 1, 3000, 'the long-poll held');
    subscription.unsubscribe();
    await waitFor(() => emulator.heldSubscribes() === 0, 2000, 'the long-poll dropped');
  });

  it('withHeartbeat: present while subscribed, one leave at the end', async () => {
    await start();
    const me = client('me');
    const auditor = client('auditor');
    const { subscription } = watch(me, { channels: ['lobby'], withHeartbeat: true, heartbeat: 10, initial: 'skip' });
    await waitFor(async () => (await firstValueFrom(auditor.whereNow({ uuid: 'me' }))).channels.includes('lobby'), 3000, 'me present');
    let leaves = 0;
    const counting = emulator.requests$.subscribe((r) => (r.operation === 'leave' ? leaves++ : undefined));
    subscription.unsubscribe();
    await waitFor(async () => (await firstValueFrom(auditor.whereNow({ uuid: 'me' }))).channels.length === 0, 3000, 'me gone');
    await new Promise((r) => setTimeout(r, 200));
    counting.unsubscribe();
    expect(leaves).toBe(1);
  });

  it("presenceEvents$ with source: 'subscribe' gives the same events, typed and flap-filtered", async () => {
    await start();
    const events: PresenceEvent[] = [];
    const subscription = client('watcher')
      .presenceEvents$({ channels: ['lobby'], source: 'subscribe', initial: 'skip', stateCodec: t.type({ mood: t.string }) })
      .subscribe((e) => events.push(e));
    cleanups.push(() => subscription.unsubscribe());
    await waitFor(() => emulator.heldSubscribes() === 1, 3000, 'the long-poll held');
    await firstValueFrom(client('bob').announceHeartbeat({ channels: ['lobby'], state: { lobby: { mood: 'ok' } } }));
    await firstValueFrom(client('eve').announceHeartbeat({ channels: ['lobby'], state: { lobby: { mood: 7 } } }));
    await waitFor(() => events.length >= 2, 3000, 'two events');
    expect(events.map((e) => [e.action, e.uuid])).toEqual([
      ['join', 'bob'],
      ['state-invalid', 'eve'],
    ]);
    expect(events[1]).toMatchObject({ issues: ['at mood: expected string, got 7'] });
  });
});
