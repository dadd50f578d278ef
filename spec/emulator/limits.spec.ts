/**
 * Limits (issue 7), each answered with the protocol's JSON error body and without processing the
 * request: channels per request, channels per group (issue 13), concurrent connections. (URI length and state size: bad-input.spec.ts.)
 */
import http from 'node:http';
import { MAX_CHANNELS_PER_GROUP, startEmulator, type Emulator, type EmulatorPresenceEvent } from '../../lib/emulator';
import { ok, randomKey, request, subscribePath, waitFor } from '../helpers/emulator';

let emulator: Emulator;
let key: string;
let events: EmulatorPresenceEvent[];

afterEach(() => emulator?.close());

beforeEach(() => {
  key = randomKey();
  events = [];
});

const names = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`).join(',');

describe('channels per request', () => {
  const presenceBody = { status: 400, error: 1, message: 'Too many channels', service: 'Presence' };

  beforeEach(async () => {
    emulator = await startEmulator({ hereNowCacheMs: 0 });
    emulator.events$.subscribe((event) => events.push(event));
  });

  it('defaults to 500: 500 are served, 501 get 400 Too many channels, unprocessed', async () => {
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/${names('c', 500)}/heartbeat?uuid=alice`);
    expect(events).toHaveLength(500);
    events = [];

    const response = await request(emulator, `/v2/presence/sub-key/${key}/channel/${names('d', 501)}/heartbeat?uuid=bob`);

    expect({ status: response.status, body: response.json }).toEqual({ status: 400, body: presenceBody });
    expect(response.text).toBe('{"status": 400, "error": 1, "message": "Too many channels", "service": "Presence"}');
    expect(response.contentType).toBe('text/javascript; charset="UTF-8"');
    expect(events).toEqual([]);
    expect(await ok(emulator, `/v2/presence/sub-key/${key}/uuid/bob?uuid=me`)).toMatchObject({ payload: { channels: [] } });
  });

  it('counts channel groups with the channels', async () => {
    const response = await request(emulator, `/v2/presence/sub-key/${key}/channel/${names('c', 300)}/heartbeat?uuid=bob&channel-group=${names('g', 201)}`);
    expect({ status: response.status, body: response.json }).toEqual({ status: 400, body: presenceBody });
    expect((await request(emulator, `/v2/presence/sub-key/${key}/channel/${names('c', 300)}?uuid=bob&channel-group=${names('g', 200)}`)).status).toBe(200);
  });

  it('applies to here now, leave, state, subscribe and the channel registry, each in its service style', async () => {
    const many = names('c', 501);
    for (const path of [`/channel/${many}?uuid=me`, `/channel/${many}/leave?uuid=me`, `/channel/${many}/uuid/me?uuid=me`]) {
      expect((await request(emulator, `/v2/presence/sub-key/${key}${path}`)).json).toEqual(presenceBody);
    }
    const subscribe = await request(emulator, subscribePath(key, many.split(','), { uuid: 'me' }));
    expect({ status: subscribe.status, body: subscribe.json }).toEqual({
      status: 400, body: { message: 'Too many channels', error: true, service: 'Balancer', status: 400 },
    });
    const registry = await request(emulator, `/v1/channel-registration/sub-key/${key}/channel-group/cg?add=${many}`);
    expect({ status: registry.status, body: registry.json }).toEqual({
      status: 400, body: { status: 400, message: 'Too many channels', service: 'channel-registry', error: true },
    });
    expect(await ok(emulator, `/v1/channel-registration/sub-key/${key}/channel-group/cg?uuid=me`)).toMatchObject({ payload: { channels: [] } });
    expect(emulator.heldSubscribes()).toBe(0);
    expect(events).toEqual([]);
  });

  it('follows maxChannelsPerRequest', async () => {
    const small = await startEmulator({ maxChannelsPerRequest: 2 });
    try {
      expect((await request(small, `/v2/presence/sub-key/${key}/channel/a,b/heartbeat?uuid=me`)).status).toBe(200);
      expect((await request(small, `/v2/presence/sub-key/${key}/channel/a,b,c/heartbeat?uuid=me`)).json).toEqual(presenceBody);
      // Empty names (a lone `,`) are not channels.
      expect((await request(small, `/v2/presence/sub-key/${key}/channel/,/heartbeat?uuid=me&channel-group=g1,,g2`)).status).toBe(200);
    } finally {
      await small.close();
    }
    await expect(startEmulator({ maxChannelsPerRequest: 0 })).rejects.toThrow('maxChannelsPerRequest must be an integer ≥ 1, got 0');
  });
});

describe('channels per group (issue 13)', () => {
  const full = { status: 400, message: 'Maximum channel group count exceeded.', service: 'channel-registry', error: true };
  const registry = (query: string, group = 'cg') => `/v1/channel-registration/sub-key/${key}/channel-group/${group}${query}`;
  const members = async (group = 'cg') => ((await ok(emulator, registry('?uuid=me', group))) as { payload: { channels: string[] } }).payload.channels;

  it(`defaults to ${MAX_CHANNELS_PER_GROUP} as the service: the add that would pass it is refused whole, with the registry's 400`, async () => {
    emulator = await startEmulator({ hereNowCacheMs: 0 });
    expect(MAX_CHANNELS_PER_GROUP).toBe(2000);
    for (let i = 0; i < 4; i++) await ok(emulator, registry(`?add=${names(`c${i}-`, 500)}`));
    expect(await members()).toHaveLength(2000);

    const refused = await request(emulator, registry('?add=one-more,c0-0'));

    expect({ status: refused.status, body: refused.json }).toEqual({ status: 400, body: full });
    expect(refused.text).toBe('{"status": 400, "message": "Maximum channel group count exceeded.", "service": "channel-registry", "error": true}');
    expect(await members()).toHaveLength(2000);
    expect(await members()).not.toContain('one-more');
    // Channels already in the group do not count twice; room made by a remove can be used.
    await ok(emulator, registry(`?add=${names('c0-', 500)}`));
    await ok(emulator, registry('?remove=c0-0'));
    await ok(emulator, registry('?add=one-more'));
    expect(await members()).toHaveLength(2000);
  });

  it('a heartbeat on a full group joins at most that many channels', async () => {
    emulator = await startEmulator({ hereNowCacheMs: 0, maxChannelsPerGroup: 3 });
    emulator.events$.subscribe((event) => events.push(event));
    await ok(emulator, registry('?add=a,b'));
    expect((await request(emulator, registry('?add=c,d'))).json).toEqual(full);
    await ok(emulator, registry('?add=c'));
    await ok(emulator, `/v2/presence/sub-key/${key}/channel/,/heartbeat?uuid=alice&channel-group=cg`);
    expect(events.map((event) => event.channel)).toEqual(['a', 'b', 'c']);
    await expect(startEmulator({ maxChannelsPerGroup: 0 })).rejects.toThrow('maxChannelsPerGroup must be an integer ≥ 1, got 0');
  });
});

describe('concurrent connections', () => {
  /** A GET through `agent`; keep-alive agents keep the connection open afterwards. */
  const get = (agent: http.Agent, path: string) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      http
        .get(`${emulator.url}${path}`, { agent }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        })
        .on('error', reject);
    });

  it('beyond maxConnections: 503 Too many connections with Retry-After, the connection closed, the request unprocessed', async () => {
    emulator = await startEmulator({ maxConnections: 2 });
    emulator.events$.subscribe((event) => events.push(event));
    const agents = [0, 1, 2].map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    try {
      expect((await get(agents[0], '/time/0')).status).toBe(200);
      expect((await get(agents[1], '/time/0')).status).toBe(200);
      await waitFor(() => emulator.openConnections() === 2, 2_000, 'two connections');

      const refused = await get(agents[2], `/v2/presence/sub-key/${key}/channel/a/heartbeat?uuid=mallory`);

      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.body)).toEqual({ message: 'Too many connections', error: true, service: 'Balancer', status: 503 });
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.headers.connection).toBe('close');
      expect(events).toEqual([]);
      await waitFor(() => emulator.openConnections() === 2, 2_000, 'the refused connection closed');
      // The admitted ones are still served, and once one goes, a newcomer is too.
      expect((await get(agents[0], '/time/0')).status).toBe(200);
      agents[1].destroy();
      await waitFor(() => emulator.openConnections() === 1, 2_000, 'a connection gone');
      expect((await get(agents[2], `/v2/presence/sub-key/${key}/channel/a/heartbeat?uuid=alice`)).status).toBe(200);
      expect(events.map((event) => event.uuid)).toEqual(['alice']);
    } finally {
      for (const agent of agents) agent.destroy();
    }
  });

  it('held subscribes count', async () => {
    emulator = await startEmulator({ maxConnections: 1 });
    const once = new http.Agent({ keepAlive: false });
    const { body } = await get(once, subscribePath(key, ['a-pnpres'], { uuid: 'w' }));
    const { t } = JSON.parse(body) as { t: { t: string } };
    await waitFor(() => emulator.openConnections() === 0, 2_000, 'the handshake connection closed');
    const held = new Promise<void>((resolve) => {
      const req = http.get(`${emulator.url}${subscribePath(key, ['a-pnpres'], { uuid: 'w', tt: t.t })}`, { agent: once });
      req.on('error', () => resolve());
      setTimeout(() => req.destroy(), 500);
    });
    await waitFor(() => emulator.heldSubscribes() === 1, 2_000, 'held subscribe');

    expect((await get(once, '/time/0')).status).toBe(503);

    await held;
    await expect(startEmulator({ maxConnections: 0 })).rejects.toThrow('maxConnections must be an integer ≥ 1, got 0');
  });
});
