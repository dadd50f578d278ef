import crossFetch from 'cross-fetch';
import { firstValueFrom } from 'rxjs';
import { startEmulator, type Emulator } from '../../lib/emulator';
import { Keyset } from '../../lib/keyset';
import { Presence } from '../../lib/presence';
import type { FetchLike } from '../../lib/transport/fetch-transport';
import { randomKey } from '../helpers/emulator';

const subscribeKey = randomKey();
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ keysets: [{ subscribeKey, publishKey: 'pub-c-x', secretKey: 'sec-c-secret' }] });
});
afterAll(() => emulator.close());

describe('signed requests', () => {
  it('are accepted, and identical calls in the same second are not refused as replays', async () => {
    const urls: string[] = [];
    const recording: FetchLike = (url, init) => {
      urls.push(url);
      return (crossFetch as unknown as FetchLike)(url, init);
    };
    const presence = new Presence({
      defaultKeyset: new Keyset({ subscribeKey, publishKey: 'pub-c-x', secretKey: 'sec-c-secret', userId: 'me' }),
      origin: emulator.url,
      fetch: recording,
      retry: { attempts: 1 },
    });
    const results = await Promise.all([1, 2, 3].map(() => firstValueFrom(presence.whereNow())));
    expect(results).toEqual([{ channels: [] }, { channels: [] }, { channels: [] }]);
    const params = urls.map((u) => new URL(u).searchParams);
    expect(new Set(params.map((p) => p.get('timestamp'))).size).toBeLessThanOrEqual(2);
    expect(new Set(params.map((p) => p.get('requestid'))).size).toBe(3);
    expect(new Set(params.map((p) => p.get('signature'))).size).toBe(3);
  });

  it('with a wrong secret are refused: access-denied', async () => {
    const presence = new Presence({
      defaultKeyset: new Keyset({ subscribeKey, publishKey: 'pub-c-x', secretKey: 'sec-c-wrong', userId: 'me' }),
      origin: emulator.url,
    });
    await expect(firstValueFrom(presence.whereNow())).rejects.toMatchObject({ category: 'access-denied', statusCode: 403 });
  });
});
