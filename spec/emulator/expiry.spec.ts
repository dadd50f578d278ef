/** Presence timeouts on an injected clock: nobody waits for real time. */
import type { EmulatorPresenceEvent } from '../../lib/emulator';
import { startEmulator, type Emulator } from '../../lib/emulator';
import { ManualClock, ok, randomKey } from '../helpers/emulator';

let emulator: Emulator;
let clock: ManualClock;
let events: EmulatorPresenceEvent[];
let key: string;

beforeAll(async () => {
  clock = new ManualClock();
  emulator = await startEmulator({ clock, hereNowCacheMs: 0, defaultPresenceTimeout: 300 });
  emulator.events$.subscribe((event) => events.push(event));
});

afterAll(() => emulator.close());

beforeEach(() => {
  events = [];
  key = randomKey();
});

const heartbeat = (uuid: string, channels: string, query = '') =>
  ok(emulator, `/v2/presence/sub-key/${key}/channel/${channels}/heartbeat?uuid=${uuid}${query}`);
const occupancy = async (channel: string) =>
  ((await ok(emulator, `/v2/presence/sub-key/${key}/channel/${channel}?uuid=me`)) as { occupancy: number }).occupancy;
const whereNow = async (uuid: string) =>
  ((await ok(emulator, `/v2/presence/sub-key/${key}/uuid/${uuid}?uuid=me`)) as { payload: { channels: string[] } }).payload.channels;
const timeouts = () => events.filter((event) => event.action === 'timeout');

it('times out exactly when the heartbeat period has passed, then here now and where now agree', async () => {
  await heartbeat('alice', 'a,b', '&heartbeat=10');
  await heartbeat('bob', 'a', '&heartbeat=60');

  clock.advance(9_999);
  emulator.sweep();
  expect(timeouts()).toEqual([]);
  expect(await occupancy('a')).toBe(2);

  clock.advance(1);
  emulator.sweep();

  expect(timeouts()).toEqual([
    { subscribeKey: key, channel: 'a', action: 'timeout', uuid: 'alice', occupancy: 1, timestamp: Math.floor(clock.now() / 1000) },
    { subscribeKey: key, channel: 'b', action: 'timeout', uuid: 'alice', occupancy: 0, timestamp: Math.floor(clock.now() / 1000) },
  ]);
  expect(await occupancy('a')).toBe(1);
  expect(await occupancy('b')).toBe(0);
  expect(await whereNow('alice')).toEqual([]);
  expect(await whereNow('bob')).toEqual(['a']);
});

it('a new heartbeat pushes the deadline back; a shorter one pulls it in', async () => {
  await heartbeat('alice', 'a', '&heartbeat=10');
  clock.advance(8_000);
  await heartbeat('alice', 'a', '&heartbeat=10');
  clock.advance(8_000); // 16 s after the first heartbeat, 8 s after the second
  emulator.sweep();
  expect(await whereNow('alice')).toEqual(['a']);

  await heartbeat('alice', 'a', '&heartbeat=300');
  await heartbeat('alice', 'a', '&heartbeat=5');
  clock.advance(5_000);
  emulator.sweep();

  expect(await whereNow('alice')).toEqual([]);
  expect(timeouts()).toHaveLength(1);
});

it('uses the default presence timeout when a heartbeat has no heartbeat parameter', async () => {
  await heartbeat('alice', 'a');
  clock.advance(299_999);
  emulator.sweep();
  expect(await occupancy('a')).toBe(1);

  clock.advance(1);
  emulator.sweep();
  expect(await occupancy('a')).toBe(0);
});

it('expires lazily before answering even without sweep()', async () => {
  await heartbeat('alice', 'a', '&heartbeat=5');
  clock.advance(5_000);

  expect(await occupancy('a')).toBe(0);
  expect(timeouts()).toHaveLength(1);
});

it('a timeout deletes the state; a later heartbeat joins fresh', async () => {
  await heartbeat('alice', 'a', `&heartbeat=5&state=${encodeURIComponent('{"a":{"mood":"ok"}}')}`);
  clock.advance(5_000);
  emulator.sweep();

  expect(await ok(emulator, `/v2/presence/sub-key/${key}/channel/a/uuid/alice?uuid=me`)).toMatchObject({ payload: {} });
  await heartbeat('alice', 'a', '&heartbeat=5');
  expect(events.map((event) => event.action)).toEqual(['join', 'timeout', 'join']);
  expect(events[1].data).toEqual({ mood: 'ok' });
  expect(events[2].data).toBeUndefined();
});

it('state set for an absent uuid waits for it, then is dropped after the default timeout', async () => {
  const state = encodeURIComponent('{"seat":1}');
  await ok(emulator, `/v2/presence/sub-key/${key}/channel/a,b/uuid/alice/data?uuid=alice&state=${state}`);
  await heartbeat('alice', 'a');
  expect(events).toEqual([
    { subscribeKey: key, channel: 'a', action: 'join', uuid: 'alice', occupancy: 1, timestamp: Math.floor(clock.now() / 1000), data: { seat: 1 } },
  ]);

  clock.advance(300_000);
  emulator.sweep();

  const getB = await ok(emulator, `/v2/presence/sub-key/${key}/channel/b/uuid/alice?uuid=me`);
  expect(getB).toMatchObject({ payload: {} });
});
