import fc from 'fast-check';
import { firstValueFrom } from 'rxjs';
import { startEmulator, type Emulator } from '../../lib/emulator';
import { Keyset } from '../../lib/keyset';
import { StateInfo } from '../../lib/operations/here-now';
import { Presence } from '../../lib/presence';
import { MAX_NAME_LENGTH } from '../../lib/protocol/limits';
import { PRESENCE_SUFFIX } from '../../lib/protocol/presence-channels';
import { LONE_SURROGATE } from '../../lib/validate';
import { randomKey, rawExchange } from '../helpers/emulator';

const RUNS = 1000;
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ hereNowCacheMs: 0 });
});
afterAll(() => emulator.close());

/** Any name the protocol allows: 1–92 UTF-16 units, no `,`, not a presence channel. */
const name = fc
  .string({ unit: fc.constantFrom('grapheme', 'binary', 'grapheme-ascii'), minLength: 1, maxLength: 40 })
  .map((s) => s.replace(/,/g, '').slice(0, MAX_NAME_LENGTH))
  .filter((s) => s.length > 0 && !s.endsWith(PRESENCE_SUFFIX) && s.length <= MAX_NAME_LENGTH && !LONE_SURROGATE.test(s));
/** JSON states: objects of anything JSON can hold. */
const state = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }).map((o) => JSON.parse(JSON.stringify(o)));

describe('hostile input: what goes in comes back out', () => {
  it(`channel names, uuids and states round-trip (${RUNS} runs)`, async () => {
    const subscribeKey = randomKey();
    await fc.assert(
      fc.asyncProperty(name, name, state, async (channel, uuid, value) => {
        const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: uuid }), origin: emulator.url });
        await firstValueFrom(presence.announceHeartbeat({ channels: [channel], state: { [channel]: value } }));
        const here = await firstValueFrom(presence.hereNow({ channels: [channel], stateInfo: StateInfo.all }));
        const occupant = here.channels.get(channel)?.uuids.get(uuid);
        expect(occupant?.uuid).toBe(uuid);
        expect(Object.keys(value).length === 0 ? occupant?.state ?? {} : occupant?.state).toEqual(value);
        expect((await firstValueFrom(presence.whereNow())).channels).toContain(channel);
        expect((await firstValueFrom(presence.getState({ channels: [channel] }))).stateByChannel.get(channel)).toEqual(value);
        await firstValueFrom(presence.announceLeave({ channels: [channel] }));
        expect((await firstValueFrom(presence.whereNow())).channels).not.toContain(channel);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it(`channel group names round-trip (${RUNS} runs)`, async () => {
    const subscribeKey = randomKey();
    const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: 'admin' }), origin: emulator.url });
    await fc.assert(
      fc.asyncProperty(name, fc.uniqueArray(name, { minLength: 1, maxLength: 4 }), async (group, channels) => {
        await firstValueFrom(presence.channelGroups.addChannels(group, channels));
        const listed = await firstValueFrom(presence.channelGroups.listChannels(group));
        expect([...listed.channels].sort()).toEqual([...channels].sort());
        expect((await firstValueFrom(presence.channelGroups.listGroups())).groups).toContain(group);
        await firstValueFrom(presence.channelGroups.delete(group));
        expect((await firstValueFrom(presence.channelGroups.listChannels(group))).channels).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});

describe('hostile input the client refuses', () => {
  it('names and user ids with lone surrogates are validation errors, not crashes', async () => {
    const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey: randomKey(), userId: 'me' }), origin: emulator.url });
    await expect(firstValueFrom(presence.hereNow({ channels: ['bad\ud800'] }))).rejects.toMatchObject({ category: 'validation' });
    await expect(firstValueFrom(presence.whereNow({ uuid: '\udc00' }))).rejects.toMatchObject({ category: 'validation' });
    expect(() => new Keyset({ subscribeKey: 'k', userId: 'x\ud800' })).toThrow(/valid Unicode/);
  });
});

describe('hostile input: the emulator answers garbage with JSON errors and keeps serving', () => {
  const isJsonError = (text: string) => {
    const body = JSON.parse(text) as Record<string, unknown>;
    return typeof body.message === 'string' && (body.error === 1 || body.error === true);
  };

  it(`random paths and queries get a 4xx JSON error, never a 5xx (${RUNS} runs)`, async () => {
    const segment = fc.oneof(
      fc.constantFrom('v2', 'presence', 'sub-key', 'sub_key', 'channel', 'uuid', 'heartbeat', 'leave', 'data', 'v1', 'channel-registration', 'channel-group', 'remove', ',', '%', '%zz', '..', ''),
      fc.string({ maxLength: 12 }).map(encodeURIComponent),
    );
    const path = fc.array(segment, { maxLength: 9 }).map((parts) => `/${parts.join('/')}`);
    const query = fc.array(fc.tuple(fc.constantFrom('uuid', 'state', 'heartbeat', 'limit', 'offset', 'channel-group', 'add', 'remove', 'x'), fc.string({ maxLength: 20 })), { maxLength: 5 });
    await fc.assert(
      fc.asyncProperty(path, query, async (p, q) => {
        const search = q.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
        const response = await fetch(`${emulator.url}${p}${search ? `?${search}` : ''}`);
        const text = await response.text();
        expect(response.status).toBeLessThan(500);
        expect(response.headers.get('content-type')).toMatch(/javascript|json/);
        if (response.status >= 400) expect(isJsonError(text)).toBe(true);
        else expect(() => JSON.parse(text)).not.toThrow();
      }),
      { numRuns: RUNS },
    );
    expect((await fetch(`${emulator.url}/time/0`)).status).toBe(200);
  }, 120_000);

  it(`random bytes on the socket never crash it (${RUNS} runs, and some left hanging)`, async () => {
    const garbage = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1'));
    // An emulator with a 1 s request timeout: bytes that are only blank lines (which HTTP skips)
    // leave a request unfinished however they end, and each such run then waits for that timeout.
    const patient = await startEmulator({ requestTimeoutMs: 1000 });
    try {
      // Ending with a blank line makes the server decide now instead of waiting for its header timeout.
      await fc.assert(
        fc.asyncProperty(garbage, async (text) => {
          const reply = await rawExchange(patient.port, `${text}\r\n\r\n`);
          if (reply !== '') expect(reply).toMatch(/^HTTP\/1\.1 4\d\d /);
        }),
        { numRuns: RUNS },
      );
      // Left hanging, these wait for the request timeout: all ten at once, so that the wait is paid once.
      const replies = await Promise.all(fc.sample(garbage, 10).map((text) => rawExchange(patient.port, text)));
      for (const reply of replies) if (reply !== '') expect(reply).toMatch(/^HTTP\/1\.1 4\d\d /);
      expect((await fetch(`${patient.url}/time/0`)).status).toBe(200);
    } finally {
      await patient.close();
    }
  }, 60_000);

  it('oversized requests get 414 and memory stays flat', async () => {
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 200; i++) {
      const response = await fetch(`${emulator.url}/v2/presence/sub-key/k/channel/${'x'.repeat(40_000)}/heartbeat?uuid=u`);
      expect([414, 431]).toContain(response.status);
      await response.text();
    }
    global.gc?.();
    expect((await fetch(`${emulator.url}/time/0`)).status).toBe(200);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
  }, 60_000);
});
