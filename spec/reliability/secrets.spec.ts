import { firstValueFrom, take, toArray, type Observable } from 'rxjs';
import { startEmulator, type Emulator } from '../../lib/emulator';
import { isPresenceError } from '../../lib/errors';
import { Keyset } from '../../lib/keyset';
import { Presence } from '../../lib/presence';
import { endHeartbeats } from '../../lib/streams/end-heartbeats';
import type { FetchLike } from '../../lib/transport/fetch-transport';
import crossFetch from 'cross-fetch';
import { inspect } from 'node:util';
import { randomKey } from '../helpers/emulator';

const SECRET = 'sec-c-Zm9vYmFyLXNlY3JldA';
const AUTH = 'auth-token-7f3a9c1e';
const WRONG_SECRET = 'sec-c-wrong-wrong-wrong';

/**
 * Runs a session with a signing keyset (good and bad), collects every error, event, log line and
 * printed object it can, and checks none of them carries the secret, the auth key or any of the
 * signatures that went over the wire.
 */
describe('secrets never leak', () => {
  let emulator: Emulator;
  const logLines: string[] = [];
  const sentUrls: string[] = [];
  const subscribeKey = randomKey();

  beforeAll(async () => {
    emulator = await startEmulator({
      hereNowCacheMs: 0,
      keysets: [{ subscribeKey, publishKey: 'pub-c-x', secretKey: SECRET }],
      log: (line) => logLines.push(line),
    });
  });
  afterAll(() => emulator.close());

  const recordingFetch: FetchLike = (url, init) => {
    sentUrls.push(url);
    return (crossFetch as unknown as FetchLike)(url, init);
  };

  it('in errors, events, logs and printed keysets', async () => {
    const texts: string[] = [];
    const keep = (value: unknown) => texts.push(typeof value === 'string' ? value : `${inspect(value, { depth: 8 })} ${safeJson(value)}`);
    const emulatorEvents: unknown[] = [];
    const watching = emulator.events$.subscribe((e) => emulatorEvents.push(e));

    const good = new Keyset({ subscribeKey, publishKey: 'pub-c-x', userId: 'alice', secretKey: SECRET, authKey: AUTH });
    const bad = new Keyset({ subscribeKey, publishKey: 'pub-c-x', userId: 'mallory', secretKey: WRONG_SECRET, authKey: AUTH });
    const presence = new Presence({ defaultKeyset: good, origin: emulator.url, fetch: recordingFetch, retry: { attempts: 1 } });
    presence.keysets.add('bad', bad);

    // A working session: heartbeat$ events, presence events, one-shot results.
    keep(await firstValueFrom(presence.heartbeat$({ channels: ['lobby'], heartbeat: 30, state: { lobby: { mood: 'ok' } } }).pipe(take(1), toArray())));
    await endHeartbeats(presence.context); // its leave is answered before we come back
    keep(await firstValueFrom(presence.announceHeartbeat({ channels: ['lobby'], state: { lobby: { mood: 'ok' } } })));
    keep(await firstValueFrom(presence.presenceEvents$({ channels: ['lobby'], interval: 3 }).pipe(take(1), toArray())));
    keep(await firstValueFrom(presence.hereNow({ channels: ['lobby'], stateInfo: 'all' })));
    keep(await firstValueFrom(presence.getState({ channels: ['lobby'] })));

    // Failing calls: a wrong secret (403), a heartbeat$ that errors on it, a network failure.
    const failures: Array<Observable<unknown>> = [
      presence.whereNow({ using: 'bad' }),
      presence.heartbeat$({ channels: ['x'], using: 'bad' }),
      new Presence({ defaultKeyset: good, origin: 'http://127.0.0.1:9', retry: { attempts: 1 } }).hereNow({ channels: ['a'] }),
      presence.hereNow({ channels: ['a'], using: 'nope' }),
    ];
    for (const failing of failures) {
      const error = await firstValueFrom(failing).then(() => undefined, (e: unknown) => e);
      expect(isPresenceError(error)).toBe(true);
      keep(error);
      keep((error as Error).message);
      keep((error as Error).stack);
    }
    keep(good);
    keep(String(good.userId));
    watching.unsubscribe();
    keep(emulatorEvents);
    keep(logLines.join('\n'));

    const signatures = sentUrls.map((u) => new URL(u).searchParams.get('signature')).filter((s): s is string => s !== null);
    expect(signatures.length).toBeGreaterThan(5);
    expect(logLines.length).toBeGreaterThan(5);
    const haystack = texts.join('\n');
    for (const needle of [SECRET, WRONG_SECRET, AUTH, ...signatures]) {
      expect(haystack).not.toContain(needle);
      expect(haystack).not.toContain(encodeURIComponent(needle));
    }
    // The evidence that redaction, not absence, is why: the URLs in errors and logs show `***`.
    expect(haystack).toMatch(/auth=\*\*\*/);
    expect(haystack).toMatch(/signature=\*\*\*/);
  }, 30_000);
});

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v)) ?? '';
  } catch {
    return '';
  }
}
