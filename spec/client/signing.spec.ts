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

  it('are signed afresh for each retry (new requestid, timestamp and signature)', async () => {
    const urls: string[] = [];
    // The first answer is a 503 (the emulator's fault injection); the retry gets through.
    emulator.setFaults({ seed: 1, errorRate: 1, errorStatuses: [503], retryAfterSeconds: 0 });
    const recording: FetchLike = (url, init) => {
      urls.push(url);
      if (urls.length === 2) emulator.setFaults(undefined);
      return (crossFetch as unknown as FetchLike)(url, init);
    };
    const presence = new Presence({
      defaultKeyset: new Keyset({ subscribeKey, publishKey: 'pub-c-x', secretKey: 'sec-c-secret', userId: 'me' }),
      origin: emulator.url,
      fetch: recording,
      retry: { attempts: 2, baseDelayMs: 10, jitter: false },
    });
    try {
      expect(await firstValueFrom(presence.whereNow())).toEqual({ channels: [] });
    } finally {
      emulator.setFaults(undefined);
    }
    const params = urls.map((u) => new URL(u).searchParams);
    expect(urls).toHaveLength(2);
    expect(params[0].get('requestid')).not.toBe(params[1].get('requestid'));
    expect(params[0].get('signature')).not.toBe(params[1].get('signature'));
  });

  it('without Web Crypto (a page on plain http) fail as a validation error, and send nothing', async () => {
    const urls: string[] = [];
    const crypto = Object.getOwnPropertyDescriptor(globalThis, 'crypto')!;
    Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true });
    try {
      const presence = new Presence({
        defaultKeyset: new Keyset({ subscribeKey, publishKey: 'pub-c-x', secretKey: 'sec-c-secret', userId: 'me' }),
        origin: emulator.url,
        fetch: (url, init) => {
          urls.push(url);
          return (crossFetch as unknown as FetchLike)(url, init);
        },
      });
      const error = await firstValueFrom(presence.whereNow()).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'PresenceError', category: 'validation', operation: 'whereNow' });
      expect((error as Error).message).toMatch(/^whereNow: cannot sign the request: .*Web Crypto/);
      expect((error as Error).message).not.toContain('sec-c-secret');
    } finally {
      Object.defineProperty(globalThis, 'crypto', crypto);
    }
    expect(urls).toEqual([]);
  });
});
