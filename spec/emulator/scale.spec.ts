/**
 * 100,000 occupants over 1,000 channels: here now, where now and mass expiry stay correct.
 * Presence is seeded through the store (100k HTTP heartbeats would only measure HTTP); reads go over
 * HTTP. No timing assertions: `npm run bench` measures latency.
 */
import { EmulatorServer } from '../../lib/emulator/server';
import { ManualClock, ok, randomKey } from '../helpers/emulator';

const CHANNELS = 1_000;
const OCCUPANTS = 100_000;
const PER_CHANNEL = OCCUPANTS / CHANNELS;

let emulator: EmulatorServer;
const clock = new ManualClock(Date.UTC(2030, 0, 1));
const key = randomKey();
const counts = { join: 0, leave: 0, timeout: 0, 'state-change': 0 };

const channelOf = (i: number) => `ch-${i % CHANNELS}`;
const shortLived = (i: number) => Math.floor(i / CHANNELS) % 2 === 0;

interface Single {
  uuids: string[];
  occupancy: number;
}
interface Multi {
  payload: { channels: Record<string, { occupancy: number; uuids?: string[] }>; total_channels: number; total_occupancy: number };
}

beforeAll(async () => {
  emulator = await EmulatorServer.start({ clock, hereNowCacheMs: 0 });
  emulator.events$.subscribe((event) => counts[event.action]++);
  const { presence } = emulator.keyspaces.write(key);
  // Per channel, every other arrival times out after 60 s, the rest after 120 s.
  for (let i = 0; i < OCCUPANTS; i++) presence.heartbeat(`user-${i}`, [channelOf(i)], shortLived(i) ? 60 : 120);
  // One uuid present on 50 channels, for where now.
  const fifty = Array.from({ length: 50 }, (_, i) => `ch-${i * 20}`);
  presence.heartbeat('roamer', fifty, 120);
}, 20_000);

afterAll(() => emulator.close());

it('holds every occupant', async () => {
  const global = (await ok(emulator, `/v2/presence/sub-key/${key}?uuid=me&disable_uuids=1`)) as Multi;

  expect(counts.join).toBe(OCCUPANTS + 50);
  expect(global.payload.total_channels).toBe(CHANNELS);
  expect(global.payload.total_occupancy).toBe(OCCUPANTS + 50);
  expect(global.payload.channels['ch-7']).toEqual({ occupancy: PER_CHANNEL });
});

it('answers here now for one channel and for many, with full uuid lists', async () => {
  const single = (await ok(emulator, `/v2/presence/sub-key/${key}/channel/ch-7?uuid=me`)) as Single;
  const expected = Array.from({ length: PER_CHANNEL }, (_, k) => `user-${7 + k * CHANNELS}`);
  const many = Array.from({ length: 200 }, (_, i) => `ch-${i + 1}`).join(',');
  const multi = (await ok(emulator, `/v2/presence/sub-key/${key}/channel/${many}?uuid=me&limit=10&offset=95`)) as Multi;
  const global = (await ok(emulator, `/v2/presence/sub-key/${key}?uuid=me`)) as Multi;

  expect(single).toMatchObject({ occupancy: PER_CHANNEL, uuids: expected });
  expect(multi.payload.total_channels).toBe(200);
  expect(multi.payload.total_occupancy).toBe(200 * PER_CHANNEL + 10); // roamer sits on ch-20, ch-40, … ch-200
  expect(multi.payload.channels['ch-1'].uuids).toEqual(['user-95001', 'user-96001', 'user-97001', 'user-98001', 'user-99001']);
  expect(Object.values(global.payload.channels).reduce((n, channel) => n + channel.uuids!.length, 0)).toBe(OCCUPANTS + 50);
});

it('answers where now', async () => {
  const where = async (uuid: string) =>
    ((await ok(emulator, `/v2/presence/sub-key/${key}/uuid/${uuid}?uuid=me`)) as { payload: { channels: string[] } }).payload.channels;

  expect(await where('user-12345')).toEqual(['ch-345']);
  expect(await where('roamer')).toHaveLength(50);
  expect(await where('nobody')).toEqual([]);
});

it('expires half, then the rest, keeping here now and where now in agreement', async () => {
  clock.advance(60_000);
  emulator.sweep();

  expect(counts.timeout).toBe(OCCUPANTS / 2);
  const half = (await ok(emulator, `/v2/presence/sub-key/${key}/channel/ch-8?uuid=me`)) as Single;
  expect(half.occupancy).toBe(PER_CHANNEL / 2);
  expect(half.uuids).toEqual(Array.from({ length: PER_CHANNEL / 2 }, (_, k) => `user-${8 + (2 * k + 1) * CHANNELS}`));
  expect(await ok(emulator, `/v2/presence/sub-key/${key}/uuid/user-8?uuid=me`)).toMatchObject({ payload: { channels: [] } });
  expect(await ok(emulator, `/v2/presence/sub-key/${key}/uuid/user-1008?uuid=me`)).toMatchObject({ payload: { channels: ['ch-8'] } });

  clock.advance(60_000);
  emulator.sweep();

  expect(counts.timeout).toBe(OCCUPANTS + 50);
  expect(emulator.keyspaces.read(key).presence.size).toBe(0);
  expect(await ok(emulator, `/v2/presence/sub-key/${key}?uuid=me`)).toMatchObject({
    payload: { channels: {}, total_channels: 0, total_occupancy: 0 },
  });
  expect(await ok(emulator, `/v2/presence/sub-key/${key}/uuid/roamer?uuid=me`)).toMatchObject({ payload: { channels: [] } });
});

it('spreads a mass timeout over several turns of the event loop and keeps answering meanwhile', async () => {
  const massTimeout = async () => {
    const massKey = randomKey();
    const { presence } = emulator.keyspaces.write(massKey);
    for (let i = 0; i < 20_000; i++) presence.heartbeat(`mass-${i}`, ['crowd'], 1);
    clock.advance(1_000);
    // No sweep(): the request runs one slice of expiry and answers.
    const during = (await ok(emulator, `/v2/presence/sub-key/${massKey}/channel/crowd?uuid=me&disable_uuids=1`)) as Single;
    // One background slice (1 ms) per turn: 50 to 80 turns here, more on a loaded machine.
    for (let turn = 0; turn < 2_000 && presence.size > 0; turn++) await new Promise((resolve) => setImmediate(resolve));
    return { massKey, presence, during };
  };
  // A request that arrives in the turn where the background's once-a-second slice is scheduled but
  // has not run yet leaves the expiry to that slice and answers before any (by design: one slice
  // per turn bounds the stall). Such a round shows nothing of the request's own slice, so it is run
  // again, up to three times in all; on a loaded machine the coincidence is no longer rare.
  let round = await massTimeout();
  for (let again = 0; again < 2 && round.during.occupancy === 20_000; again++) round = await massTimeout();
  const { massKey, presence, during } = round;

  expect(during.occupancy).toBeGreaterThan(0);
  expect(during.occupancy).toBeLessThan(20_000);
  expect(presence.size).toBe(0);
  expect(await ok(emulator, `/v2/presence/sub-key/${massKey}/channel/crowd?uuid=me`)).toMatchObject({ occupancy: 0, uuids: [] });
});
