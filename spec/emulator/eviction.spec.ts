/**
 * Issue 13, defect 3: what the emulator keeps is bounded in time or in count. A channel's event
 * log goes once nothing was published on it for `eventRetentionMs`; state parked for users not
 * present is capped at `maxParkedStates` (oldest dropped first) on top of its time limit; an empty
 * keyspace is dropped. Time is the injected clock.
 */
import { MAX_PARKED_STATES } from '../../lib/emulator';
import { EmulatorServer } from '../../lib/emulator/server';
import type { EmulatorOptions } from '../../lib/emulator';
import { ManualClock, ok, randomKey, subscribeOnce, subscribePath } from '../helpers/emulator';

let emulator: EmulatorServer;
let clock: ManualClock;
let key: string;

const start = async (options: EmulatorOptions = {}) => {
  clock = new ManualClock();
  emulator = await EmulatorServer.start({ clock, hereNowCacheMs: 0, subscribeTimeoutMs: 200, ...options });
};

beforeEach(() => {
  key = randomKey();
});

afterEach(() => emulator.close());

const handshake = async (channel: string) => (await subscribeOnce(emulator, subscribePath(key, [`${channel}-pnpres`], { uuid: 'w' }))).t.t;
const catchUp = async (channel: string, tt: string) =>
  (await subscribeOnce(emulator, subscribePath(key, [`${channel}-pnpres`], { uuid: 'w', tt }))).m.map((m) => `${m.d.action} ${m.d.uuid}`);

describe('event logs', () => {
  it('are kept for eventRetentionMs after their last message, then dropped', async () => {
    await start({ eventRetentionMs: 60_000 });
    const since = await handshake('lobby');
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/lobby/heartbeat?uuid=alice&heartbeat=300`);
    clock.advance(50_000);
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/lobby/leave?uuid=alice`);

    // The retention counts from the last message: 50 s after the join, 59.999 s after the leave.
    clock.advance(59_999);
    emulator.sweep();
    expect(await catchUp('lobby', since)).toEqual(['join alice', 'leave alice']);
    expect(emulator.retained()).toMatchObject({ eventLogs: 1 });

    clock.advance(1);
    emulator.sweep();
    expect(emulator.retained()).toMatchObject({ eventLogs: 0 });
    // Nothing left to catch up on: the poll is held and then answered empty.
    expect(await catchUp('lobby', since)).toEqual([]);
  });

  it('default to 20 minutes', async () => {
    await start();
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/lobby/heartbeat?uuid=alice&heartbeat=5`);
    clock.advance(5_000);
    emulator.sweep(); // the timeout is the last message
    clock.advance(20 * 60_000 - 1);
    emulator.sweep();
    expect(emulator.retained()).toMatchObject({ eventLogs: 1 });
    clock.advance(1);
    emulator.sweep();
    expect(emulator.retained()).toMatchObject({ eventLogs: 0 });
  });
});

describe('keyspaces', () => {
  it('with no one present, nothing parked and no channel group are dropped; a registry keeps its keyspace', async () => {
    await start();
    const base = emulator.retained().keyspaces;
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/a/heartbeat?uuid=alice&heartbeat=10`);
    await ok(emulator, `/v2/presence/sub-key/${key}-b/channel/a/heartbeat?uuid=bob&heartbeat=10`);
    await ok(emulator, `/v1/channel-registration/sub-key/${key}-b/channel-group/cg?add=a`);
    await ok(emulator, `/v2/presence/sub-key/${key}-c/channel/a/uuid/carol/data?uuid=carol&state=%7B%22x%22%3A1%7D`);
    expect(emulator.retained().keyspaces).toBe(base + 3);

    clock.advance(10_000);
    emulator.sweep();
    // The parked state lasts the default presence timeout (300 s).
    expect(emulator.retained().keyspaces).toBe(base + 2);
    clock.advance(300_000);
    emulator.sweep();
    expect(emulator.retained().keyspaces).toBe(base + 1);
    await ok(emulator, `/v1/channel-registration/sub-key/${key}-b/channel-group/cg/remove?uuid=me`);
    emulator.sweep();
    expect(emulator.retained().keyspaces).toBe(base);
    // And they come back as new when used again.
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/a/heartbeat?uuid=alice`);
    expect(await ok(emulator, `/v2/presence/sub-key/${key}/channel/a?uuid=me`)).toMatchObject({ occupancy: 1, uuids: ['alice'] });
  });
});

describe('parked state', () => {
  const setState = (channels: string, uuid: string, state: object) =>
    ok(emulator, `/v2/presence/sub-key/${key}/channel/${channels}/uuid/${uuid}/data?uuid=${uuid}&state=${encodeURIComponent(JSON.stringify(state))}`);
  const stateOf = async (channel: string, uuid: string) =>
    ((await ok(emulator, `/v2/presence/sub-key/${key}/channel/${channel}/uuid/${uuid}?uuid=me`)) as { payload: unknown }).payload;

  it(`is capped in count (default ${MAX_PARKED_STATES.toLocaleString('en')}): beyond maxParkedStates the oldest goes first`, async () => {
    expect(MAX_PARKED_STATES).toBe(10_000);
    await start({ maxParkedStates: 100 });
    const channels = (from: number, count: number) => Array.from({ length: count }, (_, i) => `c${from + i}`).join(',');
    await setState(channels(0, 60), 'ghost', { n: 1 });
    await setState(channels(60, 60), 'ghost', { n: 2 });
    // Other keyspaces share the cap: the emulator as a whole holds at most 100.
    await ok(emulator, `/v2/presence/sub-key/${key}-other/channel/x/uuid/ghost/data?uuid=ghost&state=%7B%22n%22%3A3%7D`);

    expect(emulator.retained().parkedStates).toBe(100);
    expect(await stateOf('c20', 'ghost')).toEqual({});
    expect(await stateOf('c21', 'ghost')).toEqual({ n: 1 });
    expect(await stateOf('c119', 'ghost')).toEqual({ n: 2 });
    // What is still parked is applied on arrival, as before.
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/c21/heartbeat?uuid=ghost`);
    expect(await ok(emulator, `/v2/presence/sub-key/${key}/channel/c21?uuid=me&state=1`)).toMatchObject({ uuids: [{ uuid: 'ghost', state: { n: 1 } }] });
    expect(emulator.retained().parkedStates).toBe(99);
    await expect(EmulatorServer.start({ maxParkedStates: -1 })).rejects.toThrow('maxParkedStates must be an integer ≥ 0, got -1');
  });
});
