/** `events$`: what the service would publish on `<channel>-pnpres`, occupancy after each change. */
import { firstValueFrom, toArray } from 'rxjs';
import { startEmulator, type Emulator, type EmulatorPresenceEvent } from '../../lib/emulator';
import { ManualClock, ok, randomKey } from '../helpers/emulator';

let emulator: Emulator;
let clock: ManualClock;
let events: EmulatorPresenceEvent[];
let key: string;

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2030, 0, 1));
  emulator = await startEmulator({ clock, hereNowCacheMs: 0 });
  emulator.events$.subscribe((event) => events.push(event));
});

afterAll(() => emulator.close());

const at = Math.floor(Date.UTC(2030, 0, 1) / 1000);

beforeEach(() => {
  events = [];
  key = randomKey();
  clock.ms = at * 1000;
});
const state = (value: unknown) => encodeURIComponent(JSON.stringify(value));

it('join, state-change, leave and timeout with occupancy after the change', async () => {
  const base = `/v2/presence/sub-key/${key}/channel`;
  await ok(emulator, `${base}/lobby/heartbeat?uuid=alice&heartbeat=60`);
  await ok(emulator, `${base}/lobby/heartbeat?uuid=bob&heartbeat=30`);
  await ok(emulator, `${base}/lobby/heartbeat?uuid=alice&heartbeat=60`); // already present: no event
  await ok(emulator, `${base}/lobby/uuid/alice/data?uuid=alice&state=${state({ mood: 'busy' })}`);
  await ok(emulator, `${base}/lobby/leave?uuid=alice`);
  clock.advance(30_000);
  emulator.sweep();

  expect(events).toEqual([
    { subscribeKey: key, channel: 'lobby', action: 'join', uuid: 'alice', occupancy: 1, timestamp: at },
    { subscribeKey: key, channel: 'lobby', action: 'join', uuid: 'bob', occupancy: 2, timestamp: at },
    { subscribeKey: key, channel: 'lobby', action: 'state-change', uuid: 'alice', occupancy: 2, timestamp: at, data: { mood: 'busy' } },
    { subscribeKey: key, channel: 'lobby', action: 'leave', uuid: 'alice', occupancy: 1, timestamp: at, data: { mood: 'busy' } },
    { subscribeKey: key, channel: 'lobby', action: 'timeout', uuid: 'bob', occupancy: 0, timestamp: at + 30 },
  ]);
});

it('heartbeat state: join carries it, a change emits state-change, the same state again does not', async () => {
  const hb = (value: unknown) => ok(emulator, `/v2/presence/sub-key/${key}/channel/a,b/heartbeat?uuid=alice&state=${state(value)}`);
  await hb({ a: { n: 1 } });
  await hb({ a: { n: 1 } });
  await hb({ a: { n: 2 }, b: { m: 1 } });
  await hb({});

  expect(events.map(({ channel, action, data }) => ({ channel, action, data }))).toEqual([
    { channel: 'a', action: 'join', data: { n: 1 } },
    { channel: 'b', action: 'join', data: undefined },
    { channel: 'a', action: 'state-change', data: { n: 2 } },
    { channel: 'b', action: 'state-change', data: { m: 1 } },
  ]);
});

it('set-state emits state-change only where the uuid is present', async () => {
  await ok(emulator, `/v2/presence/sub-key/${key}/channel/here/heartbeat?uuid=alice`);
  events = [];

  await ok(emulator, `/v2/presence/sub-key/${key}/channel/here,away/uuid/alice/data?uuid=alice&state=${state({ x: 1 })}`);

  expect(events).toEqual([
    { subscribeKey: key, channel: 'here', action: 'state-change', uuid: 'alice', occupancy: 1, timestamp: at, data: { x: 1 } },
  ]);
});

it('events of a group heartbeat name the member channels', async () => {
  await ok(emulator, `/v1/channel-registration/sub-key/${key}/channel-group/cg?add=x,y`);
  await ok(emulator, `/v2/presence/sub-key/${key}/channel/,/heartbeat?channel-group=cg&uuid=alice`);

  expect(events.map((event) => `${event.action}:${event.channel}`)).toEqual(['join:x', 'join:y']);
});

it('events$ and requests$ complete when the emulator closes', async () => {
  const other = await startEmulator();
  const allEvents = firstValueFrom(other.events$.pipe(toArray()));
  const allRequests = firstValueFrom(other.requests$.pipe(toArray()));
  await ok(other, `/v2/presence/sub-key/${key}/channel/a/heartbeat?uuid=alice`);

  await other.close();

  expect((await allEvents).map((event) => event.action)).toEqual(['join']);
  expect(await allRequests).toEqual([
    { method: 'GET', path: `/v2/presence/sub-key/${key}/channel/a/heartbeat`, query: { uuid: 'alice' }, status: 200, operation: 'heartbeat' },
  ]);
  await other.close(); // a second close is harmless
});
