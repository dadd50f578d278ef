/**
 * Response bytes and headers as the service sends them (protocol.md §3–§8): key order, Python-style
 * separators, content types.
 */
import type { Emulator } from '../../lib/emulator';
import { startEmulator } from '../../lib/emulator';
import { ok, randomKey, request } from '../helpers/emulator';

let emulator: Emulator;
let key: string;

beforeAll(async () => {
  emulator = await startEmulator({ hereNowCacheMs: 0 });
});

afterAll(() => emulator.close());

beforeEach(async () => {
  key = randomKey();
  await ok(emulator, `/v2/presence/sub-key/${key}/channel/ch1,ch2/heartbeat?uuid=u1&state=${encodeURIComponent('{"ch1":{"n":1}}')}`);
});

const body = async (path: string): Promise<string> => {
  const response = await request(emulator, path);
  expect(response.contentType).toBe('text/javascript; charset="UTF-8"');
  return response.text;
};

it('heartbeat and leave bodies', async () => {
  expect(await body(`/v2/presence/sub-key/${key}/channel/ch1/heartbeat?uuid=u2`)).toBe(
    '{"status": 200, "message": "OK", "service": "Presence"}',
  );
  expect(await body(`/v2/presence/sub-key/${key}/channel/ch1/leave?uuid=u2`)).toBe(
    '{"status": 200, "action": "leave", "message": "OK", "service": "Presence"}',
  );
});

it('here now: flat shape for one channel, payload shape for several, objects with state=1', async () => {
  expect(await body(`/v2/presence/sub-key/${key}/channel/ch1?uuid=me`)).toBe(
    '{"status": 200, "message": "OK", "service": "Presence", "uuids": ["u1"], "occupancy": 1}',
  );
  expect(await body(`/v2/presence/sub-key/${key}/channel/ch1?uuid=me&disable_uuids=1`)).toBe(
    '{"status": 200, "message": "OK", "occupancy": 1, "service": "Presence"}',
  );
  expect(await body(`/v2/presence/sub-key/${key}/channel/ch1?uuid=me&limit=0`)).toBe(
    '{"status": 200, "message": "OK", "occupancy": 1, "service": "Presence"}',
  );
  expect(await body(`/v2/presence/sub-key/${key}/channel/ch1,ch2?uuid=me&state=1`)).toBe(
    '{"status": 200, "message": "OK", "payload": {"channels": {"ch1": {"uuids": [{"uuid": "u1", "state": {"n": 1}}], "occupancy": 1}, ' +
      '"ch2": {"uuids": [{"uuid": "u1"}], "occupancy": 1}}, "total_channels": 2, "total_occupancy": 2}, "service": "Presence"}',
  );
  expect(await body(`/v2/presence/sub-key/${key}/channel/ch1,ch2,empty?uuid=me&disable_uuids=1`)).toBe(
    '{"status": 200, "message": "OK", "payload": {"channels": {"ch1": {"occupancy": 1}, "ch2": {"occupancy": 1}}, ' +
      '"total_channels": 2, "total_occupancy": 2}, "service": "Presence"}',
  );
  expect(await body(`/v2/presence/sub-key/${key}/channel/empty1,empty2?uuid=me`)).toBe(
    '{"status": 200, "message": "OK", "payload": {"channels": {}, "total_channels": 0, "total_occupancy": 0}, "service": "Presence"}',
  );
});

it('where now, set state and get state bodies', async () => {
  expect(await body(`/v2/presence/sub-key/${key}/uuid/u1?uuid=me`)).toBe(
    '{"status": 200, "message": "OK", "payload": {"channels": ["ch1", "ch2"]}, "service": "Presence"}',
  );
  expect(await body(`/v2/presence/sub-key/${key}/channel/ch1,ch2/uuid/u1/data?uuid=u1&state=${encodeURIComponent('{"name":"Zoë"}')}`)).toBe(
    '{"status": 200, "message": "OK", "payload": {"name": "Zo\\u00eb"}, "service": "Presence"}',
  );
  expect(await body(`/v2/presence/sub-key/${key}/channel/ch1/uuid/u1?uuid=me`)).toBe(
    '{"status": 200, "uuid": "u1", "service": "Presence", "message": "OK", "payload": {"name": "Zo\\u00eb"}, "channel": "ch1"}',
  );
  expect(await body(`/v2/presence/sub-key/${key}/channel/ch1,ch2/uuid/u1?uuid=me`)).toBe(
    '{"status": 200, "message": "OK", "payload": {"channels": {"ch1": {"name": "Zo\\u00eb"}, "ch2": {"name": "Zo\\u00eb"}}}, ' +
      '"service": "Presence", "uuid": "u1"}',
  );
});

it('channel registry bodies', async () => {
  const base = `/v1/channel-registration/sub-key/${key}/channel-group`;
  const okBody = '{"status": 200, "message": "OK", "service": "channel-registry", "error": false}';
  expect(await body(`${base}/cg?add=ch1%2Cch2&uuid=me`)).toBe(okBody);
  expect(await body(`${base}/cg?uuid=me`)).toBe(
    '{"status": 200, "payload": {"channels": ["ch1", "ch2"], "group": "cg"}, "service": "channel-registry", "error": false}',
  );
  expect(await body(`${base}?uuid=me`)).toBe(
    '{"status": 200, "payload": {"namespace": "", "groups": ["cg"]}, "service": "channel-registry", "error": false}',
  );
  expect(await body(`${base}/cg/remove?uuid=me`)).toBe(okBody);
  expect(await body(`${base}/cg?uuid=me`)).toBe(
    '{"status": 200, "payload": {"channels": [], "group": "cg"}, "service": "channel-registry", "error": false}',
  );
});

it('time answers a bare array', async () => {
  expect(await body('/time/0')).toMatch(/^\[\d{17}\]$/);
});

it('sends the service headers: CORS, no-cache, server name', async () => {
  const { headers } = await request(emulator, `/v2/presence/sub-key/${key}/channel/ch1?uuid=me`);

  expect(headers.get('access-control-allow-origin')).toBe('*');
  expect(headers.get('access-control-allow-methods')).toBe('OPTIONS, GET, POST');
  expect(headers.get('cache-control')).toBe('no-cache');
  expect(headers.get('server')).toBe('Pubnub Presence');
});

it('decodes names generously: percent-encoded, raw @ from Dart, %2C inside a name', async () => {
  await ok(emulator, `/v2/presence/sub-key/${key}/channel/user@host,a%2Cb,space%20here/heartbeat?uuid=u9`);

  expect(await ok(emulator, `/v2/presence/sub-key/${key}/uuid/u9?uuid=me`)).toEqual({
    status: 200, message: 'OK', payload: { channels: ['user@host', 'a,b', 'space here'] }, service: 'Presence',
  });
  expect(await ok(emulator, `/v2/presence/sub-key/${key}/channel/user%40host?uuid=me`)).toMatchObject({ occupancy: 1 });
});

it('treats a channel called __proto__ as any other name', async () => {
  await ok(emulator, `/v2/presence/sub-key/${key}/channel/__proto__,constructor/heartbeat?uuid=u1&state=${encodeURIComponent('{"__proto__":{"x":1}}')}`);

  expect(await body(`/v2/presence/sub-key/${key}/channel/__proto__,constructor?uuid=me&disable_uuids=1`)).toBe(
    '{"status": 200, "message": "OK", "payload": {"channels": {"__proto__": {"occupancy": 1}, "constructor": {"occupancy": 1}}, ' +
      '"total_channels": 2, "total_occupancy": 2}, "service": "Presence"}',
  );
  expect(await ok(emulator, `/v2/presence/sub-key/${key}/channel/__proto__,constructor/uuid/u1?uuid=me`)).toEqual({
    status: 200, message: 'OK', payload: { channels: JSON.parse('{"__proto__":{"x":1}}') }, service: 'Presence', uuid: 'u1',
  });
});
