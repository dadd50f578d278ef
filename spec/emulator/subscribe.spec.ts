/**
 * The subscribe long-poll (protocol.md §9–§10) over raw HTTP: handshake, held polls released by
 * presence messages, long-poll timeout, catch-up from an old timetoken, channel-group presence,
 * implicit heartbeat, errors. Time is an injected clock, so timetokens are exact.
 */
import { startEmulator, type Emulator, type EmulatorOptions } from '../../lib/emulator';
import { EmulatorServer } from '../../lib/emulator/server';
import {
  ManualClock,
  ok,
  randomKey,
  request,
  subscribeOnce,
  subscribePath,
  waitFor,
  type SubscribeBody,
  type SubscribeMessage,
} from '../helpers/emulator';

const T = Date.UTC(2030, 0, 1);
const SECONDS = T / 1000;
/** The n-th timetoken an emulator started at T issues while its clock stays at T. */
const tt = (n: number, ms = T): string => String(BigInt(ms) * 10_000n + BigInt(n));

let emulator: EmulatorServer;
let clock: ManualClock;
let key: string;
const running: Emulator[] = [];

const start = async (options: EmulatorOptions = {}): Promise<EmulatorServer> => {
  clock = new ManualClock(T);
  emulator = await EmulatorServer.start({ clock, hereNowCacheMs: 0, subscribeTimeoutMs: 5_000, ...options });
  running.push(emulator);
  return emulator;
};

beforeEach(async () => {
  key = randomKey();
  await start();
});

afterEach(async () => {
  while (running.length > 0) await running.pop()!.close();
});

const presence = (path: string) => ok(emulator, `/v2/presence/sub-key/${key}${path}`);
const sub = (channels: string[], query: Record<string, string | number>) => subscribePath(key, channels, { uuid: 'watcher', ...query });
const poll = (channels: string[], query: Record<string, string | number>, signal?: AbortSignal) =>
  subscribeOnce(emulator, sub(channels, query), signal);
const held = (count: number) => waitFor(() => emulator.heldSubscribes() === count, 2_000, `${count} held subscribes`);
const brief = (m: SubscribeMessage) => ({ c: m.c, b: m.b, action: m.d.action, uuid: m.d.uuid, occupancy: m.d.occupancy });

describe('handshake', () => {
  it('no tt (or tt=0) answers at once: a fresh 17-digit timetoken, region, no messages', async () => {
    const first = await request(emulator, sub(['lobby-pnpres'], {}));
    const second = await request(emulator, sub(['lobby-pnpres'], { tt: 0, ee: '' }));

    expect(first.status).toBe(200);
    expect(first.contentType).toBe('text/javascript; charset="UTF-8"');
    expect(first.text).toBe(`{"t":{"t":"${tt(0)}","r":1},"m":[]}`);
    expect(second.text).toBe(`{"t":{"t":"${tt(1)}","r":1},"m":[]}`);
    expect(emulator.heldSubscribes()).toBe(0);
  });

  it('timetokens strictly increase even when the clock stands still or goes back', async () => {
    const tokens: bigint[] = [];
    for (let i = 0; i < 5; i++) {
      if (i === 3) clock.advance(-60_000);
      tokens.push(BigInt((await poll(['a-pnpres'], {})).t.t));
    }
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBeGreaterThan(tokens[i - 1]);
  });

  it('does not deliver what happened before it, but the next poll gets what follows', async () => {
    await presence('/channel/lobby/heartbeat?uuid=early');
    const { t } = await poll(['lobby-pnpres'], {});
    await presence('/channel/lobby/heartbeat?uuid=late');

    const next = await poll(['lobby-pnpres'], { tt: t.t, tr: t.r });

    expect(next.m.map(brief)).toEqual([{ c: 'lobby-pnpres', b: 'lobby-pnpres', action: 'join', uuid: 'late', occupancy: 2 }]);
  });
});

describe('held poll', () => {
  it('is released by a join on the watched -pnpres channel, with the exact envelope', async () => {
    const { t } = await poll(['lobby-pnpres'], {}); // tt(0)
    const response = request(emulator, sub(['lobby-pnpres'], { tt: t.t, tr: 1 }));
    await held(1);

    await presence('/channel/lobby/heartbeat?uuid=alice&heartbeat=60');

    const { text } = await response;
    expect(text).toBe(
      JSON.stringify({
        t: { t: tt(1), r: 1 },
        m: [
          {
            a: '0',
            f: 0,
            p: { t: tt(1), r: 1 },
            k: key,
            c: 'lobby-pnpres',
            u: {
              pn_action: 'join', pn_channel: 'lobby', pn_ispresence: 1, pn_occupancy: 1,
              pn_precise_timestamp: T, pn_timestamp: SECONDS, pn_uuid: 'alice',
            },
            d: { action: 'join', uuid: 'alice', timestamp: SECONDS, precise_timestamp: T, occupancy: 1 },
            b: 'lobby-pnpres',
          },
        ],
      }),
    );
    expect(emulator.heldSubscribes()).toBe(0);
  });

  it('state-change carries the state in data (and flattened in u); leave and timeout carry the held state', async () => {
    const { t } = await poll(['lobby-pnpres'], {});
    await presence('/channel/lobby/heartbeat?uuid=alice&heartbeat=60');
    await presence('/channel/lobby/heartbeat?uuid=bob&heartbeat=10');
    clock.advance(1_500);
    await presence(`/channel/lobby/uuid/alice/data?uuid=alice&state=${encodeURIComponent('{"mood":"busy","seat":{"row":3}}')}`);
    await presence('/channel/lobby/leave?uuid=alice');
    clock.advance(10_000);
    emulator.sweep();

    const { m } = await poll(['lobby-pnpres'], { tt: t.t });

    expect(m.map((message) => message.d)).toEqual([
      { action: 'join', uuid: 'alice', timestamp: SECONDS, precise_timestamp: T, occupancy: 1 },
      { action: 'join', uuid: 'bob', timestamp: SECONDS, precise_timestamp: T, occupancy: 2 },
      { action: 'state-change', uuid: 'alice', timestamp: SECONDS + 1, precise_timestamp: T + 1_500, data: { mood: 'busy', seat: { row: 3 } }, occupancy: 2 },
      { action: 'leave', uuid: 'alice', timestamp: SECONDS + 1, precise_timestamp: T + 1_500, data: { mood: 'busy', seat: { row: 3 } }, occupancy: 1 },
      { action: 'timeout', uuid: 'bob', timestamp: SECONDS + 11, precise_timestamp: T + 11_500, occupancy: 0 },
    ]);
    expect(Object.keys(m[2].d)).toEqual(['action', 'uuid', 'timestamp', 'precise_timestamp', 'data', 'occupancy']);
    expect(m[2].u).toEqual({
      pn_action: 'state-change', pn_channel: 'lobby', pn_ispresence: 1, pn_occupancy: 2,
      pn_precise_timestamp: T + 1_500, pn_state_mood: 'busy', pn_timestamp: SECONDS + 1, pn_uuid: 'alice',
    });
    // Timetokens follow the clock: the timeout is stamped 11.5 s after the start.
    expect(m[4].p.t.slice(0, 13)).toBe(String(T + 11_500));
  });

  it('batches what one request changed into one answer', async () => {
    const { t } = await poll(['a-pnpres', 'b-pnpres', 'c-pnpres'], {});
    const response = poll(['a-pnpres', 'b-pnpres', 'c-pnpres'], { tt: t.t });
    await held(1);

    await presence('/channel/a,b,c/heartbeat?uuid=alice');

    const body = await response;
    expect(body.m.map((m) => m.c)).toEqual(['a-pnpres', 'b-pnpres', 'c-pnpres']);
    expect(body.t.t).toBe(body.m[2].p.t);
  });

  it('is not released by presence on channels it does not watch', async () => {
    await start({ subscribeTimeoutMs: 300 });
    const { t } = await poll(['lobby-pnpres'], {});
    const response = poll(['lobby-pnpres'], { tt: t.t });
    await held(1);

    await presence('/channel/elsewhere/heartbeat?uuid=alice');
    await ok(emulator, `/v2/presence/sub-key/${randomKey()}/channel/lobby/heartbeat?uuid=alice`);

    expect(await response).toEqual({ t: { t: t.t, r: 1 }, m: [] });
  });

  it('answers after the long-poll timeout with the same timetoken and no messages', async () => {
    await start({ subscribeTimeoutMs: 250 });
    const { t } = await poll(['quiet-pnpres'], {});
    const started = Date.now();

    const body = await poll(['quiet-pnpres'], { tt: t.t, tr: t.r });

    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(body).toEqual({ t: { t: t.t, r: 1 }, m: [] });
    expect(emulator.heldSubscribes()).toBe(0);
  });

  it('a short requestTimeoutMs does not cut a long-poll short', async () => {
    await start({ subscribeTimeoutMs: 700, requestTimeoutMs: 100 });
    const { t } = await poll(['quiet-pnpres'], {});

    const response = await request(emulator, sub(['quiet-pnpres'], { tt: t.t }));

    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ t: { t: t.t, r: 1 }, m: [] });
  });
});

describe('catch-up', () => {
  it('a stale timetoken gets every message after it, in order, and the cursor moves to the last', async () => {
    const { t: start } = await poll(['lobby-pnpres'], {});
    // The watcher is away while all this happens.
    await presence('/channel/lobby/heartbeat?uuid=alice');
    await presence('/channel/lobby/heartbeat?uuid=bob');
    await presence(`/channel/lobby/uuid/alice/data?uuid=alice&state=${encodeURIComponent('{"n":1}')}`);
    await presence('/channel/lobby/leave?uuid=alice');

    const all = await poll(['lobby-pnpres'], { tt: start.t });
    const fromMiddle = await poll(['lobby-pnpres'], { tt: all.m[1].p.t });
    const afterLast = poll(['lobby-pnpres'], { tt: all.t.t });
    await held(1);
    await presence('/channel/lobby/heartbeat?uuid=carol');

    expect(all.m.map((m) => `${m.d.action}:${m.d.uuid}:${m.d.occupancy}`)).toEqual([
      'join:alice:1', 'join:bob:2', 'state-change:alice:2', 'leave:alice:1',
    ]);
    expect(all.t.t).toBe(all.m[3].p.t);
    expect(fromMiddle.m.map((m) => m.d.action)).toEqual(['state-change', 'leave']);
    expect((await afterLast).m.map((m) => m.d.uuid)).toEqual(['carol']);
  });

  it('nothing is lost across many reconnects while events keep coming', async () => {
    await start({ announceMax: 1_000 });
    let cursor = (await poll(['busy-pnpres'], {})).t.t;
    const seen: string[] = [];
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 7; i++) await presence(`/channel/busy/heartbeat?uuid=u${round}-${i}`);
      const body = await poll(['busy-pnpres'], { tt: cursor });
      seen.push(...body.m.map((m) => String(m.d.uuid)));
      cursor = body.t.t;
    }
    expect(seen).toEqual(Array.from({ length: 70 }, (_, n) => `u${Math.floor(n / 7)}-${n % 7}`));
  });

  it('at most 100 messages per answer; the rest come on the next poll', async () => {
    await start({ announceMax: 1_000 });
    const { t } = await poll(['crowd-pnpres'], {});
    const { presence: store } = emulator.keyspaces.write(key);
    for (let i = 0; i < 150; i++) store.heartbeat(`u${i}`, ['crowd'], 60);

    const first = await poll(['crowd-pnpres'], { tt: t.t });
    const second = await poll(['crowd-pnpres'], { tt: first.t.t });

    expect(first.m).toHaveLength(100);
    expect(first.t.t).toBe(first.m[99].p.t);
    expect(second.m.map((m) => m.d.uuid)).toEqual(Array.from({ length: 50 }, (_, i) => `u${100 + i}`));
  });

  it('the buffer is bounded per channel: only the last eventBufferSize messages are kept', async () => {
    await start({ eventBufferSize: 3 });
    const { t } = await poll(['small-pnpres', 'other-pnpres'], {});
    for (let i = 0; i < 5; i++) await presence(`/channel/small/heartbeat?uuid=u${i}`);
    await presence('/channel/other/heartbeat?uuid=x');

    const body = await poll(['small-pnpres', 'other-pnpres'], { tt: t.t });

    expect(body.m.map((m) => `${m.c}:${m.d.uuid}`)).toEqual(['small-pnpres:u2', 'small-pnpres:u3', 'small-pnpres:u4', 'other-pnpres:x']);
  });
});

describe('channel groups', () => {
  it('a group-pnpres subscription covers the member channels, with b = the group', async () => {
    await ok(emulator, `/v1/channel-registration/sub-key/${key}/channel-group/rooms?add=r1,r2`);
    const { t } = await poll([], { 'channel-group': 'rooms-pnpres' });
    const response = poll([], { 'channel-group': 'rooms-pnpres', tt: t.t });
    await held(1);

    await presence('/channel/r2/heartbeat?uuid=alice');

    const body = await response;
    expect(body.m).toEqual([
      expect.objectContaining({ c: 'r2-pnpres', b: 'rooms-pnpres', k: key, d: expect.objectContaining({ action: 'join', uuid: 'alice' }) }),
    ]);
  });

  it('a channel watched directly and through a group arrives once, as the direct subscription', async () => {
    await ok(emulator, `/v1/channel-registration/sub-key/${key}/channel-group/rooms?add=r1,r2`);
    await ok(emulator, `/v1/channel-registration/sub-key/${key}/channel-group/more?add=r2,r3`);
    const query = { 'channel-group': 'rooms-pnpres,more-pnpres' };
    const { t } = await poll(['r1-pnpres'], query);
    await presence('/channel/r1,r2,r3,r4/heartbeat?uuid=alice');

    const body = await poll(['r1-pnpres'], { ...query, tt: t.t });

    expect(body.m.map((m) => `${m.c}|${m.b}`)).toEqual(['r1-pnpres|r1-pnpres', 'r2-pnpres|rooms-pnpres', 'r3-pnpres|more-pnpres']);
  });

  it('subscribing to a plain group makes the uuid present on its channels', async () => {
    await ok(emulator, `/v1/channel-registration/sub-key/${key}/channel-group/rooms?add=r1,r2`);

    await poll([], { 'channel-group': 'rooms,rooms-pnpres', uuid: 'alice', heartbeat: 60 });

    expect(await presence('/uuid/alice?uuid=me')).toMatchObject({ payload: { channels: ['r1', 'r2'] } });
  });
});

describe('implicit heartbeat', () => {
  it('every subscribe renews presence; after polling stops the uuid times out at its heartbeat', async () => {
    const { t } = await poll(['lobby-pnpres'], {});
    const bob = (tt: string | number, signal?: AbortSignal) => poll(['lobby'], { uuid: 'bob', heartbeat: 10, tt }, signal);
    const bobFirst = await bob(0); // handshake: join
    clock.advance(9_000);
    // A long-poll renews on arrival; bob then goes away without a leave.
    const abort = new AbortController();
    const bobPoll = bob(bobFirst.t.t, abort.signal).catch((error: Error) => error.name);
    await held(1);
    abort.abort();
    expect(await bobPoll).toBe('AbortError');
    await held(0);
    clock.advance(9_000);
    emulator.sweep();
    const stillThere = await presence('/channel/lobby?uuid=me');

    const watching = poll(['lobby-pnpres'], { tt: (await poll(['lobby-pnpres'], {})).t.t });
    await held(1);
    clock.advance(1_000); // 10 s after bob's last subscribe
    emulator.sweep();

    expect(stillThere).toMatchObject({ occupancy: 1, uuids: ['bob'] });
    expect((await watching).m.map((m) => [m.d.action, m.d.uuid, m.d.occupancy])).toEqual([['timeout', 'bob', 0]]);
    const history = await poll(['lobby-pnpres'], { tt: t.t });
    expect(history.m.map((m) => m.d.action)).toEqual(['join', 'timeout']);
  });

  it('without a heartbeat parameter a subscribe keeps the timeout the uuid already has', async () => {
    await presence('/channel/lobby/heartbeat?uuid=bob&heartbeat=5');
    clock.advance(4_000);
    await poll(['lobby'], { uuid: 'bob', tt: 0, ee: '' }); // renews by 5 s, not the 300 s default
    clock.advance(4_999);
    emulator.sweep();
    expect(await presence('/channel/lobby?uuid=me')).toMatchObject({ occupancy: 1 });

    clock.advance(1);
    emulator.sweep();

    expect(await presence('/channel/lobby?uuid=me')).toMatchObject({ occupancy: 0 });
  });

  it('a newcomer subscribing without heartbeat gets the default presence timeout', async () => {
    await start({ defaultPresenceTimeout: 30 });
    await poll(['lobby'], { uuid: 'bob' });
    clock.advance(29_999);
    emulator.sweep();
    expect(await presence('/channel/lobby?uuid=me')).toMatchObject({ occupancy: 1 });
    clock.advance(1);
    emulator.sweep();
    expect(await presence('/channel/lobby?uuid=me')).toMatchObject({ occupancy: 0 });
  });

  it('state on subscribe applies per channel, as on a heartbeat, and the join carries it', async () => {
    const { t } = await poll(['a-pnpres', 'b-pnpres'], {});
    const state = JSON.stringify({ a: { mood: 'ok' } });

    await poll(['a', 'b'], { uuid: 'alice', state, heartbeat: 60 });
    await poll(['a', 'b'], { uuid: 'alice', state: JSON.stringify({ a: { mood: 'busy' } }), heartbeat: 60 });

    const body = await poll(['a-pnpres', 'b-pnpres'], { tt: t.t });
    expect(body.m.map((m) => [m.c, m.d.action, m.d.data])).toEqual([
      ['a-pnpres', 'join', { mood: 'ok' }],
      ['b-pnpres', 'join', undefined],
      ['a-pnpres', 'state-change', { mood: 'busy' }],
    ]);
  });

  it('-pnpres names never make anyone present', async () => {
    await poll(['lobby-pnpres'], { uuid: 'watcher', heartbeat: 60 });
    await poll([], { 'channel-group': 'g-pnpres', uuid: 'watcher' });

    expect(await presence('/uuid/watcher?uuid=me')).toMatchObject({ payload: { channels: [] } });
  });
});

describe('bad requests', () => {
  it.each([
    ['no channels and no groups', (k: string) => subscribePath(k, [], { uuid: 'u' }), 400, 'Invalid Arguments'],
    ['a malformed tt', (k: string) => subscribePath(k, ['a-pnpres'], { uuid: 'u', tt: '12abc' }), 400, 'Invalid Timetoken'],
    ['no uuid', (k: string) => subscribePath(k, ['a-pnpres'], {}), 400, 'No UUID specified'],
    ['invalid state JSON', (k: string) => subscribePath(k, ['a'], { uuid: 'u', state: '{nope' }), 400, 'Invalid JSON specified.'],
  ])('%s', async (_, path, status, message) => {
    const response = await request(emulator, path(key));

    expect(response.status).toBe(status);
    expect(response.json).toMatchObject({ error: expect.anything(), message });
    expect(emulator.heldSubscribes()).toBe(0);
  });

  it('an unknown subscribe path shape is a 404, and the operation is recorded as subscribe', async () => {
    const other = await startEmulator();
    running.push(other);
    const records: string[] = [];
    other.requests$.subscribe((record) => records.push(`${record.operation}:${record.status}`));

    expect((await request(other, `/v2/subscribe/${key}/a/0/extra`)).status).toBe(404);
    await subscribeOnce(other, subscribePath(key, ['a-pnpres'], { uuid: 'u' }));

    expect(records).toEqual(['unknown:404', 'subscribe:200']);
  });
});

describe('the wire', () => {
  it('a held poll is recorded on requests$ when answered', async () => {
    const records: { operation: string; status: number; query: Record<string, string> }[] = [];
    emulator.requests$.subscribe((record) => records.push(record));
    const { t } = await poll(['lobby-pnpres'], {});
    const response = poll(['lobby-pnpres'], { tt: t.t, tr: 1, 'filter-expr': "uuid != 'x'" });
    await held(1);
    expect(records.map((r) => r.operation)).toEqual(['subscribe']);

    await presence('/channel/lobby/heartbeat?uuid=alice');
    await response;

    expect(records.map((r) => `${r.operation}:${r.status}`)).toEqual(['subscribe:200', 'heartbeat:200', 'subscribe:200']);
    expect(records[2].query).toMatchObject({ tt: t.t, tr: '1', 'filter-expr': "uuid != 'x'" });
  });

  it('channel names are percent-decoded from the path and re-encoded nowhere', async () => {
    const { t } = await poll(['a b#1-pnpres'], {});
    await presence('/channel/a%20b%231/heartbeat?uuid=alice');

    const body: SubscribeBody = await poll(['a b#1-pnpres'], { tt: t.t });

    expect(body.m.map((m) => [m.c, m.b, m.u?.pn_channel])).toEqual([['a b#1-pnpres', 'a b#1-pnpres', 'a b#1']]);
  });
});
