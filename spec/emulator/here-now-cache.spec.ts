/** The service's 3-second here-now cache, on and off. */
import { startEmulator, type Emulator } from '../../lib/emulator';
import { ManualClock, ok, randomKey } from '../helpers/emulator';

interface Single {
  uuids: string[];
  occupancy: number;
}

describe('with the default 3 s cache', () => {
  let emulator: Emulator;
  const clock = new ManualClock();

  beforeAll(async () => {
    emulator = await startEmulator({ clock });
  });

  afterAll(() => emulator.close());

  it('answers the same request from the cache until the window has passed', async () => {
    const key = randomKey();
    const hereNow = () => ok(emulator, `/v2/presence/sub-key/${key}/channel/lobby?uuid=me`) as Promise<Single>;
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/lobby/heartbeat?uuid=alice`);
    expect((await hereNow()).uuids).toEqual(['alice']);

    await ok(emulator, `/v2/presence/sub-key/${key}/channel/lobby/heartbeat?uuid=bob`);
    clock.advance(2_999);
    const stale = await hereNow();
    clock.advance(1);
    const fresh = await hereNow();

    expect(stale).toMatchObject({ uuids: ['alice'], occupancy: 1 });
    expect(fresh).toMatchObject({ uuids: ['alice', 'bob'], occupancy: 2 });
  });

  it('keys the cache by sub-key and request, not by caller', async () => {
    const key = randomKey();
    const base = `/v2/presence/sub-key/${key}`;
    await ok(emulator, `${base}/channel/lobby/heartbeat?uuid=alice`);
    await ok(emulator, `${base}/channel/lobby?uuid=me`);
    await ok(emulator, `${base}?uuid=me`);
    await ok(emulator, `${base}/channel/lobby/heartbeat?uuid=bob`);

    expect(await ok(emulator, `${base}/channel/lobby?uuid=someone-else`)).toMatchObject({ occupancy: 1 }); // cached
    expect(await ok(emulator, `${base}/channel/lobby?uuid=me&disable_uuids=1`)).toMatchObject({ occupancy: 2 }); // new request
    expect(await ok(emulator, `${base}?uuid=me`)).toMatchObject({ payload: { total_occupancy: 1 } }); // global, cached
    expect(await ok(emulator, `/v2/presence/sub-key/${randomKey()}/channel/lobby?uuid=me`)).toMatchObject({ occupancy: 0 });
  });

  it('does not cache errors', async () => {
    const key = randomKey();
    const path = `/v2/presence/sub-key/${key}/channel/lobby`;
    const first = await fetch(`${emulator.url}${path}`);
    await first.text();

    expect(first.status).toBe(400);
    expect(await ok(emulator, `${path}?uuid=me`)).toMatchObject({ occupancy: 0 });
  });
});

describe('with hereNowCacheMs: 0', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ hereNowCacheMs: 0 });
  });

  afterAll(() => emulator.close());

  it('answers every here now fresh', async () => {
    const key = randomKey();
    const hereNow = () => ok(emulator, `/v2/presence/sub-key/${key}/channel/lobby?uuid=me`) as Promise<Single>;
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/lobby/heartbeat?uuid=alice`);
    expect((await hereNow()).occupancy).toBe(1);

    await ok(emulator, `/v2/presence/sub-key/${key}/channel/lobby/heartbeat?uuid=bob`);
    expect((await hereNow()).occupancy).toBe(2);

    await ok(emulator, `/v2/presence/sub-key/${key}/channel/lobby/leave?uuid=alice`);
    expect(await hereNow()).toMatchObject({ uuids: ['bob'], occupancy: 1 });
  });
});
