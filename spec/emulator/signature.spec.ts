/** Keysets and v2 request signatures (protocol.md §12). */
import PubNub from 'pubnub';
import { startEmulator, type Emulator } from '../../lib/emulator';
import { canonicalQuery, encodeNames } from '../../lib/transport/encoding';
import { signV2 } from '../../lib/transport/signature';
import { ManualClock, ok, randomKey, request, sdkFor } from '../helpers/emulator';

const signed = { subscribeKey: randomKey(), publishKey: 'pub-c-signed', secretKey: 'sec-c-signed' };
const noPublishKey = { subscribeKey: randomKey(), secretKey: 'sec-c-lonely' };
const open = { subscribeKey: randomKey() };

let emulator: Emulator;
const clock = new ManualClock();
const clients: PubNub[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ clock, keysets: [signed, noPublishKey, open], hereNowCacheMs: 0, signatureWindowSeconds: 60 });
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await emulator.close();
});

const seconds = () => String(Math.floor(clock.now() / 1000));

/** Signs like the JS SDK: path as sent, every parameter encoded with PubNub's encoder. */
const signedPath = (
  path: string,
  query: Record<string, string>,
  keyset: { publishKey?: string; secretKey: string } = signed,
): string => {
  const signature = signV2({ secretKey: keyset.secretKey, publishKey: keyset.publishKey, method: 'GET', path, query });
  return `${path}?${canonicalQuery({ ...query, signature })}`;
};

const forbidden = (channels: string[]) => ({
  message: 'Forbidden', payload: { channels }, error: true, service: 'Access Manager', status: 403,
});
const invalidSignature = { message: 'Invalid Signature', error: true, service: 'Access Manager', status: 403 };

it('signV2 reproduces the known vector', () => {
  expect(
    signV2({
      secretKey: 'mySecretKey',
      publishKey: 'myPublishKey',
      method: 'GET',
      path: '/v2/auth/audit/sub-key/mySubscribeKey',
      query: { channel: 'ch1', pnsdk: 'PubNub-JS-Nodejs/suchJavascript', timestamp: '1317427200', uuid: 'myUUID' },
    }),
  ).toBe('v2.I7AFqanrAAtwVfvLHyKECTWw7UcZmwbRnwENpXdGB9E');
});

it('accepts a correctly signed request, names with reserved characters included', async () => {
  const path = `/v2/presence/sub-key/${signed.subscribeKey}/channel/${encodeNames(['a b', 'c#d'])}/heartbeat`;
  const query = { heartbeat: '60', uuid: 'alice', state: '{"a b":{"x":"y z"}}', timestamp: seconds(), pnsdk: 'PubNub-JS-Nodejs/11.0.2' };

  const response = await request(emulator, signedPath(path, query));

  expect(response.status).toBe(200);
  expect(await ok(emulator, signedPath(`/v2/presence/sub-key/${signed.subscribeKey}/uuid/alice`, { uuid: 'me', timestamp: seconds() }))).toMatchObject({
    payload: { channels: ['a b', 'c#d'] },
  });
});

it("accepts a request whose values went out form-encoded (Dart's + for space) when the canonical form was signed", async () => {
  const path = `/v2/presence/sub-key/${signed.subscribeKey}/channel/lobby/heartbeat`;
  const query = { uuid: 'dart user', timestamp: seconds() };
  const signature = signV2({ ...signed, method: 'GET', path, query });

  const response = await request(emulator, `${path}?uuid=dart+user&timestamp=${query.timestamp}&signature=${signature}`);

  expect(response.status).toBe(200);
});

it('signs an unset publish key as "undefined", as the JS SDK does', async () => {
  const path = `/v2/presence/sub-key/${noPublishKey.subscribeKey}/channel/lobby`;

  expect((await request(emulator, signedPath(path, { uuid: 'me', timestamp: seconds() }, noPublishKey))).status).toBe(200);
});

it('rejects a missing signature or timestamp with Forbidden', async () => {
  const path = `/v2/presence/sub-key/${signed.subscribeKey}/channel/a,b/heartbeat`;
  const withoutTimestamp = signV2({ ...signed, method: 'GET', path, query: { uuid: 'alice' } });

  for (const query of [`uuid=alice&timestamp=${seconds()}`, `uuid=alice&signature=${withoutTimestamp}`, 'uuid=alice']) {
    const response = await request(emulator, `${path}?${query}`);
    expect({ status: response.status, body: response.json }).toEqual({ status: 403, body: forbidden(['a', 'b']) });
    expect(response.contentType).toBe('text/javascript; charset=UTF-8');
  }
});

it('rejects a stale or future timestamp with Forbidden', async () => {
  const path = `/v2/presence/sub-key/${signed.subscribeKey}/channel/a/heartbeat`;
  const at = (offsetSeconds: number) => ({ uuid: 'alice', timestamp: String(Math.floor(clock.now() / 1000) + offsetSeconds) });

  expect((await request(emulator, signedPath(path, at(-60)))).status).toBe(200);
  expect((await request(emulator, signedPath(path, at(-61)))).json).toEqual(forbidden(['a']));
  expect((await request(emulator, signedPath(path, at(61)))).json).toEqual(forbidden(['a']));
});

it('rejects a wrong signature, or a right one for another request, with Invalid Signature', async () => {
  const path = `/v2/presence/sub-key/${signed.subscribeKey}/channel/a/heartbeat`;
  const query = { uuid: 'alice', timestamp: seconds() };
  const good = signedPath(path, query);

  const tampered = good.replace('uuid=alice', 'uuid=mallory');
  const wrongSecret = signedPath(path, query, { ...signed, secretKey: 'not-the-secret' });
  const otherPath = good.replace('/channel/a/', '/channel/b/');

  for (const url of [tampered, wrongSecret, otherPath, `${path}?uuid=alice&timestamp=${query.timestamp}&signature=v2.nonsense`]) {
    const response = await request(emulator, url);
    expect({ status: response.status, body: response.json }).toEqual({ status: 403, body: invalidSignature });
  }
});

it('does not ask for a signature on /time/0 or on keysets without a secret', async () => {
  expect((await request(emulator, '/time/0')).status).toBe(200);
  expect((await request(emulator, `/v2/presence/sub-key/${open.subscribeKey}/channel/a?uuid=me`)).status).toBe(200);
});

it('rejects subscribe keys outside the configured keysets', async () => {
  const response = await request(emulator, `/v2/presence/sub-key/${randomKey()}/channel/a?uuid=me`);

  expect({ status: response.status, body: response.json }).toEqual({
    status: 400, body: { message: 'Invalid Subscribe Key', error: true, service: 'Access Manager', status: 400 },
  });
});

describe('the official SDK with a secret key', () => {
  const sdk = (secretKey: string) => {
    const client = sdkFor(emulator, signed.subscribeKey, 'sdk-user', { publishKey: signed.publishKey, secretKey });
    clients.push(client);
    return client;
  };

  beforeEach(() => {
    clock.ms = Date.now(); // the SDK stamps requests with the real time
  });

  it('signs requests the emulator accepts', async () => {
    const client = sdk(signed.secretKey);
    await client.setState({ channels: ['room #1', 'room (2)'], state: { "it's": 'fine!' }, withHeartbeat: true });

    const here = await client.hereNow({ channels: ['room #1', 'room (2)'], includeState: true });
    const where = await client.whereNow({});
    await client.channelGroups.addChannels({ channelGroup: 'cg', channels: ['room #1'] });

    expect(here.channels['room #1'].occupants).toStrictEqual([{ uuid: 'sdk-user', state: { "it's": 'fine!' } }]);
    expect(where).toStrictEqual({ channels: ['room #1', 'room (2)'] });
    expect(await client.channelGroups.listChannels({ channelGroup: 'cg' })).toStrictEqual({ channels: ['room #1'] });
  });

  it('gets an access-denied error when it signs with the wrong secret', async () => {
    const error = await sdk('wrong-secret').hereNow({ channels: ['lobby'] }).then(
      () => undefined,
      (e: { status?: { category?: string; statusCode?: number; errorData?: unknown } }) => e,
    );

    expect(error?.status?.category).toBe('PNAccessDeniedCategory');
    expect(error?.status?.statusCode).toBe(403);
    expect(error?.status?.errorData).toEqual(invalidSignature);
  });
});
