/**
 * Announce vs interval mode (protocol.md §9.1, §10): above `announceMax` occupants a channel's
 * join / leave / timeout become periodic `interval` messages with deltas, or `here_now_refresh`
 * when the deltas would exceed 32 KiB. A small announce max keeps it quick; `flushIntervals()`
 * stands in for the interval timer except in the one test of the timer itself.
 */
import { EmulatorServer } from '../../lib/emulator/server';
import { ManualClock, ok, randomKey, subscribeOnce, subscribePath, waitFor, type SubscribeBody } from '../helpers/emulator';

const T = Date.UTC(2030, 0, 1);
const SECONDS = T / 1000;

let emulator: EmulatorServer;
let clock: ManualClock;
let key: string;

const start = async (options: { announceMax: number; presenceIntervalMs?: number }) => {
  await emulator?.close();
  emulator = await EmulatorServer.start({ clock, hereNowCacheMs: 0, presenceIntervalMs: 600_000, ...options });
};

beforeEach(async () => {
  clock = new ManualClock(T);
  key = randomKey();
  await start({ announceMax: 2 });
});

afterEach(() => emulator.close());

const presence = (path: string) => ok(emulator, `/v2/presence/sub-key/${key}${path}`);
const poll = (query: Record<string, string | number>) => subscribeOnce(emulator, subscribePath(key, ['lobby-pnpres'], { uuid: 'watcher', ...query }));
const handshake = async () => (await poll({})).t.t;
const payloads = (body: SubscribeBody) => body.m.map((m) => m.d);

it('above announce max join / leave / timeout become interval deltas; state-change stays individual; falling back flushes first', async () => {
  const since = await handshake();
  await presence('/channel/lobby/heartbeat?uuid=u1');
  await presence('/channel/lobby/heartbeat?uuid=u2');
  await presence('/channel/lobby/heartbeat?uuid=u3'); // occupancy 3 > 2: interval mode
  await presence('/channel/lobby/heartbeat?uuid=u4');
  await presence('/channel/lobby/heartbeat?uuid=u5&heartbeat=5');
  await presence(`/channel/lobby/uuid/u1/data?uuid=u1&state=${encodeURIComponent('{"away":true}')}`);
  await presence('/channel/lobby/leave?uuid=u2');
  clock.advance(5_000);
  emulator.sweep(); // u5 times out
  expect(emulator.intervalChannels(key)).toEqual(['lobby']);

  emulator.flushIntervals();
  emulator.flushIntervals(); // nothing changed: occupancy only
  await presence('/channel/lobby/heartbeat?uuid=u6'); // 4
  await presence('/channel/lobby/leave?uuid=u3'); // 3
  await presence('/channel/lobby/leave?uuid=u4'); // 2: back to announce mode

  const body = await poll({ tt: since });
  const later = SECONDS + 5;
  expect(payloads(body)).toEqual([
    expect.objectContaining({ action: 'join', uuid: 'u1', occupancy: 1 }),
    expect.objectContaining({ action: 'join', uuid: 'u2', occupancy: 2 }),
    expect.objectContaining({ action: 'state-change', uuid: 'u1', occupancy: 5, data: { away: true } }),
    { action: 'interval', timestamp: later, occupancy: 3, join: ['u3', 'u4', 'u5'], leave: ['u2'], timeout: ['u5'] },
    { action: 'interval', timestamp: later, occupancy: 3 },
    { action: 'interval', timestamp: later, occupancy: 3, join: ['u6'], leave: ['u3'] },
    expect.objectContaining({ action: 'leave', uuid: 'u4', occupancy: 2 }),
  ]);
  expect(body.m[3].u).toEqual({ pn_action: 'interval', pn_channel: 'lobby', pn_ispresence: 1, pn_occupancy: 3 });
  expect(emulator.intervalChannels(key)).toEqual([]);
});

it('the interval timer publishes on its own every presenceIntervalMs and releases held polls', async () => {
  await start({ announceMax: 0, presenceIntervalMs: 100 });
  const since = await handshake();
  await presence('/channel/lobby/heartbeat?uuid=u1');
  const started = Date.now();

  const first = await poll({ tt: since });
  const second = await poll({ tt: first.t.t });

  expect(payloads(first)).toEqual([{ action: 'interval', timestamp: SECONDS, occupancy: 1, join: ['u1'] }]);
  expect(payloads(second)).toEqual([{ action: 'interval', timestamp: SECONDS, occupancy: 1 }]);
  expect(Date.now() - started).toBeLessThan(2_000);
});

it('deltas over 32 KiB become here_now_refresh; smaller ones keep their arrays', async () => {
  const since = await handshake();
  const { presence: store } = emulator.keyspaces.write(key);
  const name = (i: number) => `user-${String(i).padStart(6, '0')}-${'x'.repeat(30)}`; // 42 characters
  for (let i = 0; i < 1_000; i++) store.heartbeat(name(i), ['lobby'], 300);
  emulator.flushIntervals();
  for (let i = 0; i < 700; i++) store.leave(name(i), ['lobby']);
  emulator.flushIntervals();

  const { m } = await poll({ tt: since });

  expect(m.map((message) => message.d.action)).toEqual(['join', 'join', 'interval', 'interval']);
  expect(m[2].d).toEqual({ action: 'interval', timestamp: SECONDS, occupancy: 1_000, here_now_refresh: true });
  expect(m[3].d).toEqual({ action: 'interval', timestamp: SECONDS, occupancy: 300, leave: Array.from({ length: 700 }, (_, i) => name(i)) });
  expect(Buffer.byteLength(JSON.stringify(m[3].d))).toBeLessThanOrEqual(32 * 1024);
});

it('channel-group subscribers get the interval messages of member channels', async () => {
  await ok(emulator, `/v1/channel-registration/sub-key/${key}/channel-group/rooms?add=lobby`);
  const group = (query: Record<string, string | number>) =>
    subscribeOnce(emulator, subscribePath(key, [], { uuid: 'watcher', 'channel-group': 'rooms-pnpres', ...query }));
  const { t } = await group({});
  for (const uuid of ['a', 'b', 'c']) await presence(`/channel/lobby/heartbeat?uuid=${uuid}`);
  const first = await group({ tt: t.t }); // the two announced joins
  expect(first.m.map((m) => m.d.uuid)).toEqual(['a', 'b']);
  const next = group({ tt: first.t.t });
  await waitFor(() => emulator.heldSubscribes() === 1);

  emulator.flushIntervals();

  expect((await next).m).toEqual([
    expect.objectContaining({ c: 'lobby-pnpres', b: 'rooms-pnpres', d: { action: 'interval', timestamp: SECONDS, occupancy: 3, join: ['c'] } }),
  ]);
});
