/**
 * The official `pubnub` SDK (11.0.2) against the emulator: its parsed results, field by field.
 * Presence is put in place with the raw heartbeat / leave / registry URLs the official SDKs send
 * (`sub_key` and `sub-key`, `,` for "no channels", `%2C` and raw commas, `+` for spaces, Kotlin's
 * `channel-group=%2C`, Dart's valueless keys).
 */
import type PubNub from 'pubnub';
import type { Emulator } from '../../lib/emulator';
import { startEmulator } from '../../lib/emulator';
import { ok, randomKey, sdkFor } from '../helpers/emulator';

let emulator: Emulator;
const clients: PubNub[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ hereNowCacheMs: 0 });
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await emulator.close();
});

const sdk = (subscribeKey: string, userId = 'observer'): PubNub => {
  const client = sdkFor(emulator, subscribeKey, userId);
  clients.push(client);
  return client;
};

const json = (value: unknown): string => encodeURIComponent(JSON.stringify(value));

describe('here now', () => {
  it('single channel: occupants in arrival order, from sub-key and sub_key heartbeats', async () => {
    const key = randomKey();
    // JS / Swift / Python spelling, then Dart's and Kotlin's.
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/lobby/heartbeat?heartbeat=300&uuid=alice&pnsdk=PubNub-JS-Nodejs%2F11.0.2`);
    await ok(emulator, `/v2/presence/sub_key/${key}/channel/lobby/heartbeat?heartbeat=300&uuid=bob&ee=`);

    const result = await sdk(key).hereNow({ channels: ['lobby'] });

    expect(result).toStrictEqual({
      totalChannels: 1,
      totalOccupancy: 2,
      channels: {
        lobby: {
          name: 'lobby',
          occupancy: 2,
          occupants: [
            { uuid: 'alice', state: null },
            { uuid: 'bob', state: null },
          ],
        },
      },
    });
  });

  it('an empty channel answers occupancy 0 with no occupants', async () => {
    const result = await sdk(randomKey()).hereNow({ channels: ['nobody-here'] });

    expect(result).toStrictEqual({
      totalChannels: 1,
      totalOccupancy: 0,
      channels: { 'nobody-here': { name: 'nobody-here', occupancy: 0, occupants: [] } },
    });
  });

  it('several channels with state: per-channel state from a keyed map sent with + for spaces', async () => {
    const key = randomKey();
    // Old Python / Dart form encoding: spaces as `+` inside the JSON.
    const keyed = '%7B%22red%22%3A+%7B%22mood%22%3A+%22happy+now%22%7D%7D';
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/red,blue/heartbeat?heartbeat=60&uuid=alice&state=${keyed}`);
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/red/heartbeat?heartbeat=60&uuid=bob`);

    const result = await sdk(key).hereNow({ channels: ['red', 'blue'], includeState: true });

    expect(result.totalChannels).toBe(2);
    expect(result.totalOccupancy).toBe(3);
    expect(Object.keys(result.channels).sort()).toEqual(['blue', 'red']);
    expect(result.channels.red).toStrictEqual({
      name: 'red',
      occupancy: 2,
      // Object entries pass through the SDK unchanged: no `state` key when the uuid has none.
      occupants: [{ uuid: 'alice', state: { mood: 'happy now' } }, { uuid: 'bob' }],
    });
    expect(result.channels.blue).toStrictEqual({ name: 'blue', occupancy: 1, occupants: [{ uuid: 'alice' }] });
  });

  it('global: every occupied channel of the key, nothing from other keys', async () => {
    const key = randomKey();
    await ok(emulator, `/v2/presence/sub_key/${key}/channel/a,b/heartbeat?heartbeat=60&uuid=alice`);
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/b/heartbeat?heartbeat=60&uuid=bob`);
    await ok(emulator, `/v2/presence/sub-key/${randomKey()}/channel/elsewhere/heartbeat?uuid=carol`);

    const result = await sdk(key).hereNow({});

    expect(result).toStrictEqual({
      totalChannels: 2,
      totalOccupancy: 3,
      channels: {
        a: { name: 'a', occupancy: 1, occupants: [{ uuid: 'alice', state: null }] },
        b: { name: 'b', occupancy: 2, occupants: [{ uuid: 'alice', state: null }, { uuid: 'bob', state: null }] },
      },
    });
  });

  it('channel groups: heartbeats by group with %2C and raw commas, here now by group', async () => {
    const key = randomKey();
    const client = sdk(key);
    await client.channelGroups.addChannels({ channelGroup: 'cg1', channels: ['x', 'y'] });
    await client.channelGroups.addChannels({ channelGroup: 'cg2', channels: ['z'] });
    // JS encodes the comma in query values; Dart leaves it raw. `,` is the "no channels" path.
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/,/heartbeat?heartbeat=60&channel-group=cg1%2Ccg2&uuid=alice`);
    await ok(emulator, `/v2/presence/sub_key/${key}/channel/,/heartbeat?heartbeat=60&channel-group=cg1,cg2&uuid=bob`);

    const byGroup = await client.hereNow({ channelGroups: ['cg1'] });
    const both = await client.hereNow({ channels: ['z'], channelGroups: ['cg1'] });

    expect(byGroup).toStrictEqual({
      totalChannels: 2,
      totalOccupancy: 4,
      channels: {
        x: { name: 'x', occupancy: 2, occupants: [{ uuid: 'alice', state: null }, { uuid: 'bob', state: null }] },
        y: { name: 'y', occupancy: 2, occupants: [{ uuid: 'alice', state: null }, { uuid: 'bob', state: null }] },
      },
    });
    expect(both.totalChannels).toBe(3);
    expect(both.totalOccupancy).toBe(6);
    expect(Object.keys(both.channels).sort()).toEqual(['x', 'y', 'z']);
  });

  it('includeUUIDs: false returns counts only', async () => {
    const key = randomKey();
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/a,b/heartbeat?uuid=alice`);
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/a/heartbeat?uuid=bob`);
    const client = sdk(key);

    const single = await client.hereNow({ channels: ['a'], includeUUIDs: false });
    const multi = await client.hereNow({ channels: ['a', 'b'], includeUUIDs: false });

    expect(single).toStrictEqual({
      totalChannels: 1,
      totalOccupancy: 2,
      channels: { a: { name: 'a', occupancy: 2, occupants: [] } },
    });
    expect(multi).toStrictEqual({
      totalChannels: 2,
      totalOccupancy: 3,
      channels: {
        a: { name: 'a', occupancy: 2, occupants: [] },
        b: { name: 'b', occupancy: 1, occupants: [] },
      },
    });
  });

  it('limit and offset page each channel in a stable order; occupancy stays the full count', async () => {
    const key = randomKey();
    const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
    for (const uuid of users) await ok(emulator, `/v2/presence/sub-key/${key}/channel/big,small/heartbeat?uuid=${uuid}`);
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/small/leave?uuid=u1`);
    const client = sdk(key);

    const pages = [];
    for (let offset = 0; offset < 6; offset += 2) {
      pages.push(await client.hereNow({ channels: ['big'], limit: 2, offset }));
    }
    const multi = await client.hereNow({ channels: ['big', 'small'], limit: 3, offset: 1 });

    expect(pages.map((page) => page.channels.big.occupants.map((o) => o.uuid))).toEqual([['u1', 'u2'], ['u3', 'u4'], ['u5']]);
    expect(pages.map((page) => [page.totalOccupancy, page.channels.big.occupancy])).toEqual([[5, 5], [5, 5], [5, 5]]);
    expect(multi.totalOccupancy).toBe(9);
    expect(multi.channels.big).toStrictEqual({
      name: 'big', occupancy: 5,
      occupants: ['u2', 'u3', 'u4'].map((uuid) => ({ uuid, state: null })),
    });
    expect(multi.channels.small).toStrictEqual({
      name: 'small', occupancy: 4,
      occupants: ['u3', 'u4', 'u5'].map((uuid) => ({ uuid, state: null })),
    });
  });
});

describe('where now', () => {
  it('lists the channels of a uuid, and none for an absent one', async () => {
    const key = randomKey();
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/one,two%20words,three%2Cwith-comma/heartbeat?uuid=alice`);
    const client = sdk(key, 'alice');

    expect(await client.whereNow({ uuid: 'alice' })).toStrictEqual({ channels: ['one', 'two words', 'three,with-comma'] });
    expect(await client.whereNow({})).toStrictEqual({ channels: ['one', 'two words', 'three,with-comma'] });
    expect(await client.whereNow({ uuid: 'nobody' })).toStrictEqual({ channels: [] });
  });
});

describe('state', () => {
  it('setState echoes the state once; getState reads it back per channel', async () => {
    const key = randomKey();
    const client = sdk(key, 'alice');
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/a,b/heartbeat?uuid=alice`);

    const set = await client.setState({ channels: ['a', 'b'], state: { mood: 'ok', count: 5 } });
    const single = await client.getState({ channels: ['a'] });
    const multi = await client.getState({ channels: ['a', 'b'] });
    const other = await client.getState({ channels: ['a'], uuid: 'nobody' });

    expect(set).toStrictEqual({ state: { mood: 'ok', count: 5 } });
    expect(single).toStrictEqual({ channels: { a: { mood: 'ok', count: 5 } } });
    // The service answers several channels as `payload.channels`; JS 11.0.2 maps `payload` itself,
    // so against the real service (and so here) it returns the map one level down.
    expect(multi).toStrictEqual({ channels: { channels: { a: { mood: 'ok', count: 5 }, b: { mood: 'ok', count: 5 } } } });
    expect(other).toStrictEqual({ channels: { a: {} } });
  });

  it('state set through channel groups, and here now with state shows it', async () => {
    const key = randomKey();
    const client = sdk(key, 'alice');
    await client.channelGroups.addChannels({ channelGroup: 'rooms', channels: ['r1', 'r2'] });
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/,/heartbeat?channel-group=rooms&uuid=alice`);

    await client.setState({ channelGroups: ['rooms'], state: { seat: 3 } });

    expect(await client.getState({ channelGroups: ['rooms'] })).toStrictEqual({
      channels: { channels: { r1: { seat: 3 }, r2: { seat: 3 } } },
    });
    const here = await client.hereNow({ channelGroups: ['rooms'], includeState: true });
    expect(here.channels.r1.occupants).toStrictEqual([{ uuid: 'alice', state: { seat: 3 } }]);
    expect(here.channels.r2.occupants).toStrictEqual([{ uuid: 'alice', state: { seat: 3 } }]);
  });

  it('setState withHeartbeat sends the bare state on a heartbeat, which applies to every channel', async () => {
    const key = randomKey();
    const client = sdk(key, 'alice');

    expect(await client.setState({ channels: ['a', 'b'], state: { typing: true }, withHeartbeat: true })).toStrictEqual({});

    const here = await client.hereNow({ channels: ['a', 'b'], includeState: true });
    expect(here.channels.a.occupants).toStrictEqual([{ uuid: 'alice', state: { typing: true } }]);
    expect(here.channels.b.occupants).toStrictEqual([{ uuid: 'alice', state: { typing: true } }]);
  });
});

describe('leave', () => {
  it("Kotlin's channels-only leave with channel-group=%2C and ee= removes the uuid", async () => {
    const key = randomKey();
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/a,b/heartbeat?uuid=alice&state=${json({ a: { x: 1 } })}`);

    const body = await ok(emulator, `/v2/presence/sub-key/${key}/channel/a/leave?channel-group=%2C&ee=&uuid=alice`);

    expect(body).toStrictEqual({ status: 200, action: 'leave', message: 'OK', service: 'Presence' });
    const client = sdk(key);
    expect(await client.whereNow({ uuid: 'alice' })).toStrictEqual({ channels: ['b'] });
    expect(await client.getState({ channels: ['a'], uuid: 'alice' })).toStrictEqual({ channels: { a: {} } });
  });

  it('groups-only leave on the `,` path, with -pnpres names ignored', async () => {
    const key = randomKey();
    const client = sdk(key);
    await client.channelGroups.addChannels({ channelGroup: 'cg', channels: ['a', 'b'] });
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/a,c/heartbeat?uuid=alice`);

    await ok(emulator, `/v2/presence/sub_key/${key}/channel/,/leave?channel-group=cg,cg-pnpres&uuid=alice`);

    expect(await client.whereNow({ uuid: 'alice' })).toStrictEqual({ channels: ['c'] });
  });
});

describe('channel groups', () => {
  it('add, list, remove, list groups and delete', async () => {
    const key = randomKey();
    const groups = sdk(key).channelGroups;

    expect(await groups.addChannels({ channelGroup: 'g1', channels: ['a', 'b', 'c'] })).toStrictEqual({});
    expect(await groups.addChannels({ channelGroup: 'g2', channels: ['d'] })).toStrictEqual({});
    expect(await groups.listChannels({ channelGroup: 'g1' })).toStrictEqual({ channels: ['a', 'b', 'c'] });
    expect(await groups.listGroups()).toStrictEqual({ groups: ['g1', 'g2'] });

    expect(await groups.removeChannels({ channelGroup: 'g1', channels: ['b', 'not-a-member'] })).toStrictEqual({});
    expect(await groups.listChannels({ channelGroup: 'g1' })).toStrictEqual({ channels: ['a', 'c'] });

    expect(await groups.deleteGroup({ channelGroup: 'g1' })).toStrictEqual({});
    expect(await groups.listChannels({ channelGroup: 'g1' })).toStrictEqual({ channels: [] });
    expect(await groups.listGroups()).toStrictEqual({ groups: ['g2'] });
  });

  it("Dart's valueless keys: `&add&remove=…` removes, `&add=…&remove` adds", async () => {
    const key = randomKey();
    const base = `/v1/channel-registration/sub-key/${key}/channel-group/dart`;

    await ok(emulator, `${base}?add=a%2Cb,c&remove&uuid=dart-user`);
    await ok(emulator, `${base}?add&remove=b&uuid=dart-user`);

    expect(await sdk(key).channelGroups.listChannels({ channelGroup: 'dart' })).toStrictEqual({ channels: ['a', 'c'] });
  });
});

describe('time', () => {
  it('answers a 17-digit timetoken near now', async () => {
    const before = Date.now();
    const { timetoken } = await sdk(randomKey()).time();

    expect(String(timetoken)).toMatch(/^\d{17}$/);
    expect(Math.abs(Number(timetoken) / 10_000 - before)).toBeLessThan(5_000);
  });
});
