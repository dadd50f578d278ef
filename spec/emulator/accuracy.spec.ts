/**
 * Issue 13, defect 5: answers the service gives that the emulator got wrong. Oversized headers
 * are 431 (not 414); the presence timeout a client asks for is capped at 320 s as the service
 * caps it; a fractional `heartbeat` (the official SDK sends one for a fractional
 * `presenceTimeout`) is honoured; numbers JSON cannot hold exactly are refused rather than
 * silently changed.
 */
import { MAX_PRESENCE_TIMEOUT_SECONDS, startEmulator, type Emulator, type EmulatorPresenceEvent } from '../../lib/emulator';
import { ManualClock, ok, randomKey, rawExchange, request, subscribePath } from '../helpers/emulator';

let emulator: Emulator;
let clock: ManualClock;
let key: string;
let events: EmulatorPresenceEvent[];

beforeAll(async () => {
  clock = new ManualClock();
  emulator = await startEmulator({ clock, hereNowCacheMs: 0 });
  emulator.events$.subscribe((event) => events.push(event));
});

afterAll(() => emulator.close());

beforeEach(() => {
  key = randomKey();
  events = [];
});

afterEach(async () => {
  expect((await request(emulator, '/time/0')).status).toBe(200);
});

const bodyOf = (answer: string): unknown => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
const whereNow = async (uuid: string) =>
  ((await ok(emulator, `/v2/presence/sub-key/${key}/uuid/${uuid}?uuid=me`)) as { payload: { channels: string[] } }).payload.channels;
/** Moves the clock by `ms` and expires what is due. */
const after = (ms: number) => {
  clock.advance(ms);
  emulator.sweep();
};

describe('header size', () => {
  const headersTooLarge = { message: 'Request Header Fields Too Large', error: true, service: 'Balancer', status: 431 };

  it('a 100 KB header gets 431 with the Balancer JSON body (not 414)', async () => {
    const answer = await rawExchange(emulator.port, `GET /time/0 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(bodyOf(answer)).toEqual(headersTooLarge);
  });

  it('so do a few thousand small headers, and a long header name', async () => {
    const many = Array.from({ length: 2_500 }, (_, i) => `X-H${i}: ${'v'.repeat(40)}\r\n`).join('');
    expect(await rawExchange(emulator.port, `GET /time/0 HTTP/1.1\r\nHost: x\r\n${many}\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
    expect(await rawExchange(emulator.port, `GET /time/0 HTTP/1.1\r\nHost: x\r\nX-${'n'.repeat(100_000)}: 1\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('while a 100 KB request line is still 414', async () => {
    const answer = await rawExchange(emulator.port, `GET /time/0?pad=${'p'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 414 /);
    expect(bodyOf(answer)).toEqual({ message: 'Request URI Too Long', error: true, service: 'Balancer', status: 414 });
  });
});

describe('the presence timeout a client asks for', () => {
  it(`is capped at ${MAX_PRESENCE_TIMEOUT_SECONDS} s, as the service caps it`, async () => {
    expect(MAX_PRESENCE_TIMEOUT_SECONDS).toBe(320);
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/a/heartbeat?uuid=forever&heartbeat=999999999999999`);
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/b/heartbeat?uuid=long&heartbeat=321`);
    await ok(emulator, subscribePath(key, ['c'], { uuid: 'subscriber', heartbeat: '99999999999999999999' }));

    after(319_999);
    expect([await whereNow('forever'), await whereNow('long'), await whereNow('subscriber')]).toEqual([['a'], ['b'], ['c']]);
    after(1);
    expect([await whereNow('forever'), await whereNow('long'), await whereNow('subscriber')]).toEqual([[], [], []]);
    expect(events.filter((event) => event.action === 'timeout').map((event) => event.uuid).sort()).toEqual(['forever', 'long', 'subscriber']);
  });

  it('may be fractional: heartbeat=60.5 means 60.5 s, on heartbeat and subscribe', async () => {
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/a/heartbeat?uuid=alice&heartbeat=60.5`);
    await ok(emulator, subscribePath(key, ['b'], { uuid: 'bob', heartbeat: '60.5' }));

    after(60_499);
    expect([await whereNow('alice'), await whereNow('bob')]).toEqual([['a'], ['b']]);
    after(1);
    expect([await whereNow('alice'), await whereNow('bob')]).toEqual([[], []]);
  });

  it('that is not a positive number still means the default (300 s)', async () => {
    for (const value of ['0', '-5', 'abc', '1e3', '.5', '']) {
      await ok(emulator, `/v2/presence/sub-key/${key}/channel/a/heartbeat?uuid=u${value}&heartbeat=${value}`);
    }
    after(299_999);
    expect(await whereNow('uabc')).toEqual(['a']);
    after(1);
    expect(await whereNow('uabc')).toEqual([]);
  });
});

describe('numbers in state', () => {
  const inexact = { status: 400, error: 1, message: 'State has a number that cannot be kept exactly.', service: 'Presence' };
  const setState = (state: string, uuid = 'alice') =>
    request(emulator, `/v2/presence/sub-key/${key}/channel/a/uuid/${uuid}/data?uuid=${uuid}&state=${encodeURIComponent(state)}`);
  const stateOf = async (uuid = 'alice') => (await ok(emulator, `/v2/presence/sub-key/${key}/channel/a/uuid/${uuid}?uuid=me`)) as { payload: unknown };

  it('that JSON cannot keep (1e400, a 30-digit integer, 2^53 + 1, 1e-400, 21 significant digits) are refused with 400', async () => {
    for (const number of ['1e400', '-1E+400', '123456789012345678901234567890', '9007199254740993', '1e-400', '0.300000000000000000001']) {
      const answer = await setState(`{"n":${number}}`);
      expect({ number, status: answer.status, body: answer.json }).toEqual({ number, status: 400, body: inexact });
      const beat = await request(emulator, `/v2/presence/sub-key/${key}/channel/a/heartbeat?uuid=bob&state=${encodeURIComponent(`{"deep":[{"n":${number}}]}`)}`);
      expect({ number, status: beat.status, body: beat.json }).toEqual({ number, status: 400, body: inexact });
    }
    expect(await whereNow('bob')).toEqual([]);
    expect((await stateOf()).payload).toEqual({});
  });

  it('that it can keep are stored and read back as the same number', async () => {
    const numbers = ['0', '-0', '1.0', '1e3', '0.1', '-2.5E-3', '9007199254740992', '1.7976931348623157e308', '5e-324', '1e21'];
    for (const number of numbers) {
      expect({ number, status: (await setState(`{"n":${number}}`)).status }).toEqual({ number, status: 200 });
      // `===`: JSON has one zero, so -0 reads back as 0.
      const { n } = (await stateOf()).payload as { n: number };
      expect({ number, same: n === Number(number) }).toEqual({ number, same: true });
    }
    // Digits inside strings are text.
    expect((await setState('{"s":"123456789012345678901234567890 1e400"}')).status).toBe(200);
  });
});
