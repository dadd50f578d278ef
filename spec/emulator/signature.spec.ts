/** Keysets and v2 request signatures (protocol.md §12). */
import PubNub from 'pubnub';
import { startEmulator, type Emulator } from '../../lib/emulator';
import { canonicalQuery, encodeNames } from '../../lib/protocol/encoding';
import { signV2 } from '../../lib/transport/signature';
import { ReplayGuard } from '../../lib/emulator/pipeline/access';
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
const signedPath = async (
  path: string,
  query: Record<string, string>,
  keyset: { publishKey?: string; secretKey: string } = signed,
): Promise<string> => {
  const signature = await signV2({ secretKey: keyset.secretKey, publishKey: keyset.publishKey, method: 'GET', path, query });
  return `${path}?${canonicalQuery({ ...query, signature })}`;
};

const forbidden = (channels: string[]) => ({
  message: 'Forbidden', payload: { channels }, error: true, service: 'Access Manager', status: 403,
});
const invalidSignature = { message: 'Invalid Signature', error: true, service: 'Access Manager', status: 403 };

it('signV2 reproduces the known vector', async () => {
  expect(
    await signV2({
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

  const response = await request(emulator, await signedPath(path, query));

  expect(response.status).toBe(200);
  expect(await ok(emulator, await signedPath(`/v2/presence/sub-key/${signed.subscribeKey}/uuid/alice`, { uuid: 'me', timestamp: seconds() }))).toMatchObject({
    payload: { channels: ['a b', 'c#d'] },
  });
});

it("accepts a request whose values went out form-encoded (Dart's + for space) when the canonical form was signed", async () => {
  const path = `/v2/presence/sub-key/${signed.subscribeKey}/channel/lobby/heartbeat`;
  const query = { uuid: 'dart user', timestamp: seconds() };
  const signature = await signV2({ ...signed, method: 'GET', path, query });

  const response = await request(emulator, `${path}?uuid=dart+user&timestamp=${query.timestamp}&signature=${signature}`);

  expect(response.status).toBe(200);
});

it('signs an unset publish key as "undefined", as the JS SDK does', async () => {
  const path = `/v2/presence/sub-key/${noPublishKey.subscribeKey}/channel/lobby`;

  expect((await request(emulator, await signedPath(path, { uuid: 'me', timestamp: seconds() }, noPublishKey))).status).toBe(200);
});

it('rejects a missing signature or timestamp with Forbidden', async () => {
  const path = `/v2/presence/sub-key/${signed.subscribeKey}/channel/a,b/heartbeat`;
  const withoutTimestamp = await signV2({ ...signed, method: 'GET', path, query: { uuid: 'alice' } });

  for (const query of [`uuid=alice&timestamp=${seconds()}`, `uuid=alice&signature=${withoutTimestamp}`, 'uuid=alice']) {
    const response = await request(emulator, `${path}?${query}`);
    expect({ status: response.status, body: response.json }).toEqual({ status: 403, body: forbidden(['a', 'b']) });
    expect(response.contentType).toBe('text/javascript; charset=UTF-8');
  }
});

it('rejects a stale or future timestamp with Forbidden', async () => {
  const path = `/v2/presence/sub-key/${signed.subscribeKey}/channel/a/heartbeat`;
  const at = (offsetSeconds: number) => ({ uuid: 'alice', timestamp: String(Math.floor(clock.now() / 1000) + offsetSeconds) });

  expect((await request(emulator, await signedPath(path, at(-60)))).status).toBe(200);
  expect((await request(emulator, await signedPath(path, at(-61)))).json).toEqual(forbidden(['a']));
  expect((await request(emulator, await signedPath(path, at(61)))).json).toEqual(forbidden(['a']));
});

it('rejects a wrong signature, or a right one for another request, with Invalid Signature', async () => {
  const path = `/v2/presence/sub-key/${signed.subscribeKey}/channel/a/heartbeat`;
  const query = { uuid: 'alice', timestamp: seconds() };
  const good = await signedPath(path, query);

  const tampered = good.replace('uuid=alice', 'uuid=mallory');
  const wrongSecret = await signedPath(path, query, { ...signed, secretKey: 'not-the-secret' });
  const otherPath = good.replace('/channel/a/', '/channel/b/');

  for (const url of [tampered, wrongSecret, otherPath, `${path}?uuid=alice&timestamp=${query.timestamp}&signature=v2.nonsense`]) {
    const response = await request(emulator, url);
    expect({ status: response.status, body: response.json }).toEqual({ status: 403, body: invalidSignature });
  }
});

describe('replays', () => {
  const signatureReused = { message: 'Signature Already Used', error: true, service: 'Access Manager', status: 403 };

  it('a signature already accepted within the window is refused 403, and the replay is not processed', async () => {
    const events: unknown[] = [];
    const watching = emulator.events$.subscribe((event) => events.push(event));
    const leave = await signedPath(`/v2/presence/sub-key/${signed.subscribeKey}/channel/replayed/leave`, { uuid: 'victim', timestamp: seconds() });
    await ok(emulator, await signedPath(`/v2/presence/sub-key/${signed.subscribeKey}/channel/replayed/heartbeat`, { uuid: 'victim', timestamp: seconds() }));

    expect((await request(emulator, leave)).status).toBe(200);
    await ok(emulator, await signedPath(`/v2/presence/sub-key/${signed.subscribeKey}/channel/replayed/heartbeat`, { uuid: 'victim', heartbeat: '60', timestamp: seconds() }));
    clock.advance(30_000); // still inside the 60 s window
    const replay = await request(emulator, leave);

    expect({ status: replay.status, body: replay.json }).toEqual({ status: 403, body: signatureReused });
    expect(replay.contentType).toBe('text/javascript; charset=UTF-8');
    expect(events.map((event) => (event as { action: string }).action)).toEqual(['join', 'leave', 'join']);
    watching.unsubscribe();
  });

  it('outside the window the timestamp check refuses it (Forbidden), past or future', async () => {
    const path = `/v2/presence/sub-key/${signed.subscribeKey}/channel/a/heartbeat`;
    const replayed = await signedPath(path, { uuid: 'alice', timestamp: seconds() });
    expect((await request(emulator, replayed)).status).toBe(200);

    clock.advance(61_000);
    expect((await request(emulator, replayed)).json).toEqual(forbidden(['a']));
    clock.advance(-122_000);
    expect((await request(emulator, replayed)).json).toEqual(forbidden(['a']));
    clock.advance(61_000);
  });

  it('a wrong signature is not remembered: it stays Invalid Signature', async () => {
    const path = `/v2/presence/sub-key/${signed.subscribeKey}/channel/a/heartbeat?uuid=alice&timestamp=${seconds()}&signature=v2.nonsense`;
    for (let i = 0; i < 2; i++) expect((await request(emulator, path)).json).toEqual(invalidSignature);
  });

  it('rejectReplayedSignatures: false accepts the same signed request again', async () => {
    const lenient = await startEmulator({ clock, keysets: [signed], rejectReplayedSignatures: false });
    try {
      const url = await signedPath(`/v2/presence/sub-key/${signed.subscribeKey}/channel/a`, { uuid: 'me', timestamp: seconds() });
      expect((await request(lenient, url)).status).toBe(200);
      expect((await request(lenient, url)).status).toBe(200);
    } finally {
      await lenient.close();
    }
  });

  it('remembers each signature for twice the window plus a second, and no more than its capacity', () => {
    const guard = new ReplayGuard(3);
    expect(guard.admit('s1', 0, 60)).toBe(true);
    expect(guard.admit('s1', 120_999, 60)).toBe(false);
    expect(guard.admit('s1', 121_000, 60)).toBe(true); // forgotten, then remembered again
    expect(guard.size).toBe(1);
    for (const signature of ['s2', 's3', 's4']) expect(guard.admit(signature, 121_000, 60)).toBe(true);
    expect(guard.size).toBe(3); // s1, the oldest, made room
    expect(guard.admit('s1', 121_000, 60)).toBe(true);
    expect(guard.admit('s4', 121_000, 60)).toBe(false);
  });
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
