/** Every bad input gets the protocol's JSON error with the right status, and the server keeps serving. */
import { startEmulator, type Emulator } from '../../lib/emulator';
import { parseState } from '../../lib/emulator/endpoints/state-input';
import { MAX_STATE_BYTES } from '../../lib/protocol/limits';
import { ok, randomKey, rawExchange, request } from '../helpers/emulator';

let emulator: Emulator;
let key: string;

beforeAll(async () => {
  emulator = await startEmulator({ hereNowCacheMs: 0, keysets: undefined });
});

afterAll(() => emulator.close());

beforeEach(() => {
  key = randomKey();
});

afterEach(async () => {
  // Whatever the previous request did, the next one is served.
  expect((await request(emulator, '/time/0')).status).toBe(200);
});

const presenceError = (status: number, message: string) => ({ status, error: 1, message, service: 'Presence' });

const expectError = async (path: string, status: number, body: unknown, method = 'GET') => {
  const response = await request(emulator, path, method);
  expect({ status: response.status, body: response.json }).toEqual({ status, body });
  expect(response.contentType).toMatch(/^text\/javascript; charset=/);
};

describe('uuid', () => {
  it('missing, valueless or empty → 400 No UUID specified', async () => {
    const path = `/v2/presence/sub-key/${key}/channel/a/heartbeat`;
    await expectError(path, 400, presenceError(400, 'No UUID specified'));
    await expectError(`${path}?uuid`, 400, presenceError(400, 'No UUID specified'));
    await expectError(`${path}?uuid=`, 400, presenceError(400, 'No UUID specified'));
    await expectError(`/v2/presence/sub-key/${key}/channel/a?heartbeat=1`, 400, presenceError(400, 'No UUID specified'));
  });

  it('over 92 characters → 400, in the query or in the path', async () => {
    const long = 'x'.repeat(93);
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/a/heartbeat?uuid=${'y'.repeat(92)}`);
    await expectError(`/v2/presence/sub-key/${key}/channel/a/heartbeat?uuid=${long}`, 400, presenceError(400, 'Invalid UUID'));
    await expectError(`/v2/presence/sub-key/${key}/uuid/${long}?uuid=me`, 400, presenceError(400, 'Invalid UUID'));
  });
});

describe('state', () => {
  const setState = (query: string) => `/v2/presence/sub-key/${key}/channel/a/uuid/me/data?uuid=me${query}`;

  it('missing or valueless → 400 No state specified.', async () => {
    await expectError(setState(''), 400, presenceError(400, 'No state specified.'));
    await expectError(setState('&state'), 400, presenceError(400, 'No state specified.'));
  });

  it('not JSON → 400 Invalid JSON specified.', async () => {
    await expectError(setState('&state=%7Bmood'), 400, presenceError(400, 'Invalid JSON specified.'));
    await expectError(`/v2/presence/sub-key/${key}/channel/a/heartbeat?uuid=me&state=nope`, 400, presenceError(400, 'Invalid JSON specified.'));
  });

  it('JSON but not an object → 400', async () => {
    for (const value of ['null', '[1,2]', '42', '%22text%22']) {
      await expectError(setState(`&state=${value}`), 400, presenceError(400, 'State must be a JSON object.'));
    }
  });

  it('over 32 KiB: the URI is too, so the balancer answers 414; the state check itself says State too large.', async () => {
    const big = JSON.stringify({ blob: 'x'.repeat(MAX_STATE_BYTES) });
    await expectError(setState(`&state=${encodeURIComponent(big)}`), 414, {
      message: 'Request URI Too Long', error: true, service: 'Balancer', status: 414,
    });
    expect(() => parseState(big)).toThrow(expect.objectContaining({ reply: expect.objectContaining({ status: 400 }) }));
    expect(() => parseState(big)).toThrow('State too large.');
    expect(parseState(JSON.stringify({ blob: 'x'.repeat(MAX_STATE_BYTES - 20) }))).toHaveProperty('blob');
  });
});

describe('URI length', () => {
  const tooLong = { message: 'Request URI Too Long', error: true, service: 'Balancer', status: 414 };

  it('over 32 KiB → 414 Balancer body', async () => {
    const channels = Array.from({ length: 3000 }, (_, i) => `channel-${i}`).join(',');
    await expectError(`/v2/presence/sub-key/${key}/channel/${channels}/heartbeat?uuid=me`, 414, tooLong);
  });

  it("beyond Node's header limit still → 414 JSON", async () => {
    const port = new URL(emulator.url).port;
    const answer = await rawExchange(Number(port), `GET /time/0?pad=${'p'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);

    expect(answer).toMatch(/^HTTP\/1\.1 414 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual(tooLong);
  });
});

describe('paths and methods', () => {
  it('unknown path → 404 with the real body (no status key)', async () => {
    await expectError('/nope', 404, { message: "Not found: '/nope'", error: 1, service: 'Presence' });
    await expectError(`/v2/presence/sub-key/${key}/channel/a/bogus?uuid=me`, 404, {
      message: `Not found: '/v2/presence/sub_key/${key}/channel/a/bogus'`, error: 1, service: 'Presence',
    });
  });

  it("an empty where-now uuid → 404 quoting the path as the service does", async () => {
    await expectError(`/v2/presence/sub-key/demo/uuid/?uuid=me`, 404, {
      message: "Not found: '/v2/presence/sub_key/demo/uuid'", error: 1, service: 'Presence',
    });
  });

  it('a mistyped sub-key segment → 404; an empty sub-key → 400 Invalid Subscribe Key', async () => {
    await expectError(`/v2/presence/subkey/${key}/channel/a?uuid=me`, 404, {
      message: `Not found: '/v2/presence/subkey/${key}/channel/a'`, error: 1, service: 'Presence',
    });
    await expectError('/v2/presence/sub-key//channel/a?uuid=me', 400, {
      message: 'Invalid Subscribe Key', error: true, service: 'Access Manager', status: 400,
    });
    await expectError('/v1/channel-registration/sub-key//channel-group', 400, {
      message: 'Invalid Subscribe Key', error: true, service: 'Access Manager', status: 400,
    });
  });

  it('any method but GET → 405 JSON', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      await expectError(`/v2/presence/sub-key/${key}/channel/a/heartbeat?uuid=me`, 405, presenceError(405, 'Method Not Allowed'), method);
    }
  });
});

describe('encoding', () => {
  const couldNotParse = { message: 'Could Not Parse Request', error: true, service: 'Access Manager', status: 400 };

  it('a malformed percent-escape in the path or the query → 400', async () => {
    await expectError(`/v2/presence/sub-key/${key}/channel/%E0%A4%A/heartbeat?uuid=me`, 400, couldNotParse);
    await expectError(`/v2/presence/sub-key/${key}/channel/%ZZ?uuid=me`, 400, couldNotParse);
    await expectError(`/v2/presence/sub-key/${key}/channel/a?uuid=%FF`, 400, couldNotParse);
    await expectError(`/v2/presence/sub-key/${key}/channel/a?%=1&uuid=me`, 400, couldNotParse);
  });

  it('a garbage request line → 400 JSON', async () => {
    const answer = await rawExchange(Number(new URL(emulator.url).port), 'HELLO THERE\r\n\r\n');

    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual(couldNotParse);
  });
});

describe('requests that never finish', () => {
  it('are answered 408 and dropped after requestTimeoutMs', async () => {
    const slow = await startEmulator({ requestTimeoutMs: 300 });
    try {
      const started = Date.now();
      // Headers never complete.
      const [answer, silent] = await Promise.all([
        rawExchange(slow.port, 'GET /time/0 HTTP/1.1\r\nHost: x\r\n'),
        rawExchange(slow.port, ''), // connects and never sends a byte
      ]);

      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
        message: 'Request Timeout', error: true, service: 'Balancer', status: 408,
      });
      expect(silent).toMatch(/^HTTP\/1\.1 408 /);
      expect(Date.now() - started).toBeLessThan(5_000);
      // The server's side of the socket closes a moment after ours.
      for (let i = 0; i < 50 && slow.openConnections() > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(slow.openConnections()).toBe(0);
    } finally {
      await slow.close();
    }
  });
});
