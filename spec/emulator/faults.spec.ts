/**
 * Fault injection (issue 7): every fault kind over real HTTP, determinism under a seed, the
 * operations filter, run-time changes, and suspend / resume. A faulted request is never processed.
 */
import http from 'node:http';
import { startEmulator, type Emulator, type EmulatorFaults, type EmulatorRequestRecord } from '../../lib/emulator';
import { main, optionsFromArgs, type CliIo } from '../../lib/emulator/cli';
import { mulberry32 } from '../../lib/emulator/pipeline/faults';
import { ManualClock, ok, randomKey, request, subscribePath, waitFor } from '../helpers/emulator';

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One GET on a fresh connection (no keep-alive), so a reset or hang affects this request only. */
function get(emulator: Emulator, path: string, timeoutMs = 5_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${emulator.url}${path}`, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', reject);
  });
}

const errorCode = (promise: Promise<unknown>): Promise<string | undefined> =>
  promise.then(
    () => undefined,
    (error: NodeJS.ErrnoException) => error.code,
  );

let emulator: Emulator;
let key: string;
let records: EmulatorRequestRecord[];

const start = async (faults?: EmulatorFaults, extra: Parameters<typeof startEmulator>[0] = {}): Promise<Emulator> => {
  emulator = await startEmulator({ hereNowCacheMs: 0, faults, ...extra });
  emulator.requests$.subscribe((record) => records.push(record));
  return emulator;
};

beforeEach(() => {
  key = randomKey();
  records = [];
});

afterEach(() => emulator?.close());

const heartbeatPath = (uuid = 'alice', channel = 'lobby') => `/v2/presence/sub-key/${key}/channel/${channel}/heartbeat?uuid=${uuid}&heartbeat=60`;
const whereNow = async (uuid = 'alice') =>
  ((await ok(emulator, `/v2/presence/sub-key/${key}/uuid/${uuid}?uuid=me`)) as { payload: { channels: string[] } }).payload.channels;

describe('each fault kind', () => {
  it('is off by default', async () => {
    await start();
    for (let i = 0; i < 20; i++) expect((await get(emulator, heartbeatPath())).status).toBe(200);
    expect(records.every((record) => record.fault === undefined && !('fault' in record))).toBe(true);
  });

  it.each([
    [500, { status: 500, error: 1, message: 'Internal Server Error', service: 'Presence' }, undefined],
    [503, { status: 503, error: 1, message: 'Service Unavailable', service: 'Presence' }, '3'],
    [429, { status: 429, error: true, message: 'Too Many Requests', service: 'Presence' }, '3'],
    [502, { status: 502, error: 1, message: 'Bad Gateway', service: 'Presence' }, undefined],
  ])('errorRate: %i with the protocol body and Retry-After on 429 / 503; nothing is processed', async (status, body, retryAfter) => {
    await start({ operations: ['heartbeat'], errorRate: 1, errorStatuses: [status], retryAfterSeconds: 3 });
    const events: unknown[] = [];
    emulator.events$.subscribe((event) => events.push(event));

    const answer = await get(emulator, heartbeatPath());

    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body)).toEqual(body);
    expect(answer.headers['content-type']).toMatch(/^text\/javascript; charset=/);
    expect(answer.headers['retry-after']).toBe(retryAfter);
    expect(await whereNow()).toEqual([]);
    expect(events).toEqual([]);
    expect(records[0]).toEqual({
      method: 'GET', path: `/v2/presence/sub-key/${key}/channel/lobby/heartbeat`, query: { uuid: 'alice', heartbeat: '60' },
      status, operation: 'heartbeat', fault: 'error',
    });
  });

  it('errorRate draws statuses from the default [500, 503, 429]', async () => {
    await start({ operations: ['heartbeat'], errorRate: 1 });
    const statuses = new Set<number>();
    for (let i = 0; i < 40; i++) statuses.add((await get(emulator, heartbeatPath())).status);
    expect([...statuses].sort()).toEqual([429, 500, 503]);
  });

  it('resetRate: the connection is reset (ECONNRESET), nothing is processed', async () => {
    await start({ operations: ['heartbeat'], resetRate: 1 });

    expect(await errorCode(get(emulator, heartbeatPath()))).toBe('ECONNRESET');
    const fetched = await fetch(`${emulator.url}${heartbeatPath()}`).then(
      () => undefined,
      (error: Error & { cause?: { code?: string } }) => error.cause?.code,
    );
    expect(fetched).toBe('ECONNRESET');
    expect(await whereNow()).toEqual([]);
    expect(records.filter((r) => r.operation === 'heartbeat').map((r) => [r.status, r.fault])).toEqual([[0, 'reset'], [0, 'reset']]);
  });

  it('hangRate: never answered until the client gives up, nothing is processed; close() ends it', async () => {
    await start({ operations: ['heartbeat', 'subscribe'], hangRate: 1 });

    expect(await errorCode(get(emulator, heartbeatPath(), 300))).toBe('CLIENT_TIMEOUT');
    // A hung subscribe does not heartbeat either.
    const hung = errorCode(get(emulator, subscribePath(key, ['lobby', 'lobby-pnpres'], { uuid: 'bob' }), 10_000));
    await waitFor(() => records.filter((r) => r.fault === 'hang').length === 2, 2_000, 'two hangs');

    expect(await whereNow()).toEqual([]);
    expect(await whereNow('bob')).toEqual([]);
    expect(emulator.heldSubscribes()).toBe(0);
    expect(records.filter((r) => r.fault === 'hang').map((r) => [r.operation, r.status])).toEqual([['heartbeat', 0], ['subscribe', 0]]);
    await emulator.close();
    expect(await hung).toBe('ECONNRESET');
    expect(emulator.openConnections()).toBe(0);
  });

  it('truncateRate: 200 with the start of a JSON body of the operation, unparsable', async () => {
    await start({ operations: ['heartbeat', 'hereNow', 'subscribe'], truncateRate: 1 });

    for (const path of [heartbeatPath(), `/v2/presence/sub-key/${key}/channel/lobby?uuid=me`, subscribePath(key, ['lobby'], { uuid: 'me' })]) {
      const answer = await get(emulator, path);
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('text/javascript; charset="UTF-8"');
      expect(answer.body.length).toBeGreaterThan(0);
      expect(answer.body).toMatch(/^[{[]/);
      expect(() => JSON.parse(answer.body)).toThrow(SyntaxError);
    }
    const whole = '{"status": 200, "message": "OK", "service": "Presence"}';
    expect((await get(emulator, heartbeatPath())).body).toBe(whole.slice(0, Math.floor(whole.length / 2)));
    expect(await whereNow()).toEqual([]);
    expect(await whereNow('me')).toEqual([]);
  });

  it('garbageRate: 200 with an HTML page', async () => {
    await start({ operations: ['heartbeat'], garbageRate: 1 });

    const answer = await get(emulator, heartbeatPath());

    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.body).toMatch(/^<!DOCTYPE html>/);
    expect(await whereNow()).toEqual([]);
  });

  it('false200Rate: HTTP 200 with a 503 error body', async () => {
    await start({ operations: ['heartbeat'], false200Rate: 1 });

    const answer = await get(emulator, heartbeatPath());

    expect(answer.status).toBe(200);
    expect(answer.body).toBe('{"status":503,"message":"Service Unavailable","error":1,"service":"Presence"}');
    expect(await whereNow()).toEqual([]);
    expect(records[0]).toMatchObject({ status: 200, fault: 'false200' });
  });

  it('latencyMs: the request waits, then is processed as usual', async () => {
    await start({ operations: ['heartbeat'], latencyMs: 150 });

    const started = Date.now();
    expect((await get(emulator, heartbeatPath())).status).toBe(200);

    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(await whereNow()).toEqual(['lobby']);
    expect(records[0]).toEqual(expect.not.objectContaining({ fault: expect.anything() }));
  });

  it('latencyMs [min, max]: each request waits a drawn time in range', async () => {
    await start({ operations: ['heartbeat'], latencyMs: [50, 120] });
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      await get(emulator, heartbeatPath(`u${i}`));
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(45);
      expect(took).toBeLessThan(1_000);
    }
  });

  it('a client that gives up during the latency takes its request with it: never processed', async () => {
    await start({ operations: ['heartbeat'], latencyMs: 300 });

    expect(await errorCode(get(emulator, heartbeatPath(), 50))).toBe('CLIENT_TIMEOUT');
    await new Promise((resolve) => setTimeout(resolve, 400));

    expect(await whereNow()).toEqual([]);
    expect(records.filter((r) => r.operation === 'heartbeat')).toEqual([]);
  });
});

describe('determinism and scope', () => {
  /** The outcome of each of `count` heartbeats (status, or the error code), with uncovered requests in between. */
  const run = async (faults: EmulatorFaults, count = 60): Promise<string[]> => {
    const server = await startEmulator({ hereNowCacheMs: 0, faults });
    try {
      const outcomes: string[] = [];
      for (let i = 0; i < count; i++) {
        const answer = await get(server, `/v2/presence/sub-key/${key}/channel/c/heartbeat?uuid=u${i}`).then(
          (a) => `${a.status}:${a.body}`,
          (error: NodeJS.ErrnoException) => error.code ?? 'error',
        );
        outcomes.push(answer);
        // Not covered: draws nothing, so it cannot shift the sequence.
        if (i % 3 === 0) await get(server, '/time/0');
      }
      return outcomes;
    } finally {
      await server.close();
    }
  };
  const mixed = (seed: number): EmulatorFaults => ({
    seed, errorRate: 0.2, resetRate: 0.1, truncateRate: 0.1, garbageRate: 0.1, false200Rate: 0.1,
  });

  it('the same seed and request order give the same faults; another seed, others', async () => {
    const first = await run(mixed(7));
    const again = await run(mixed(7));
    const other = await run(mixed(8));

    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    // Every kind showed up, and healthy answers too.
    const kinds = new Set(first.map((outcome) =>
      outcome === 'ECONNRESET' ? 'reset'
      : outcome === '200:{"status": 200, "message": "OK", "service": "Presence"}' ? 'ok'
      : outcome.startsWith('200:{"status":5') ? 'false200'
      : outcome.startsWith('200:<') ? 'garbage'
      : outcome.startsWith('200:') ? 'truncate'
      : outcome.slice(0, 3)));
    expect([...kinds].sort()).toEqual(['429', '500', '503', 'false200', 'garbage', 'ok', 'reset', 'truncate']);
  });

  it('the shares are close to the rates', async () => {
    const outcomes = await run({ seed: 3, errorRate: 0.5, errorStatuses: [503] }, 200);
    const errors = outcomes.filter((outcome) => outcome.startsWith('503:')).length;
    expect(errors).toBeGreaterThan(70);
    expect(errors).toBeLessThan(130);
  });

  it('mulberry32 is a pure function of its seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const drawn = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(drawn);
    expect(drawn.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(mulberry32(43)()).not.toBe(drawn[0]);
  });

  it('applies only to the listed operations; by default to every one but time', async () => {
    await start({ operations: ['hereNow'], errorRate: 1, errorStatuses: [503] });
    expect((await get(emulator, heartbeatPath())).status).toBe(200);
    expect((await get(emulator, `/v2/presence/sub-key/${key}/channel/lobby?uuid=me`)).status).toBe(503);
    await emulator.close();

    await start({ errorRate: 1, errorStatuses: [503] });
    expect((await get(emulator, '/time/0')).status).toBe(200);
    for (const path of [heartbeatPath(), `/v2/presence/sub-key/${key}/uuid/a?uuid=me`, '/nope', subscribePath(key, ['a'], { uuid: 'me' })]) {
      expect((await get(emulator, path)).status).toBe(503);
    }
  });

  it('setFaults changes them at run time; undefined turns them off; invalid ones throw and change nothing', async () => {
    await start();
    expect((await get(emulator, heartbeatPath())).status).toBe(200);

    emulator.setFaults({ errorRate: 1, errorStatuses: [500] });
    expect((await get(emulator, heartbeatPath())).status).toBe(500);
    expect(() => emulator.setFaults({ errorRate: 2 })).toThrow(RangeError);
    expect((await get(emulator, heartbeatPath())).status).toBe(500);

    emulator.setFaults(undefined);
    expect((await get(emulator, heartbeatPath())).status).toBe(200);
  });

  it.each([
    [{ errorRate: 0.7, resetRate: 0.4 }, /rates add up to 1\.1/],
    [{ hangRate: -0.1 }, /faults\.hangRate must be a number from 0 to 1/],
    [{ errorStatuses: [200] }, /faults\.errorStatuses must be a list of HTTP statuses from 400 to 599/],
    [{ errorStatuses: [] }, /faults\.errorStatuses must be a non-empty array/],
    [{ latencyMs: [50, 10] }, /faults\.latencyMs must be a number or \[min, max\] with min ≤ max/],
    [{ operations: ['publish'] }, /faults\.operations must be a list of/],
    [{ seed: 1.5 }, /faults\.seed must be an integer/],
    [{ errorrate: 0.5 }, /faults: unknown field "errorrate"/],
  ])('rejects invalid faults %j', async (faults, message) => {
    await expect(startEmulator({ faults: faults as EmulatorFaults })).rejects.toThrow(message);
  });
});

describe('suspend and resume', () => {
  it('the server goes away (connections refused, open ones cut) and comes back on the same port with its state', async () => {
    const clock = new ManualClock();
    await start(undefined, { clock });
    await ok(emulator, heartbeatPath('alice', 'lobby'));
    const { port, url } = emulator;
    const { t } = (await ok(emulator, subscribePath(key, ['lobby-pnpres'], { uuid: 'watcher' }))) as { t: { t: string } };
    const poll = get(emulator, subscribePath(key, ['lobby-pnpres'], { uuid: 'watcher', tt: t.t }), 10_000).catch(
      (error: NodeJS.ErrnoException) => error.code,
    );
    await waitFor(() => emulator.heldSubscribes() === 1, 2_000, 'held subscribe');

    await emulator.suspend();
    await emulator.suspend(); // harmless

    expect(await poll).toBe('ECONNRESET');
    expect(emulator.heldSubscribes()).toBe(0);
    expect(emulator.openConnections()).toBe(0);
    expect(await errorCode(get(emulator, heartbeatPath()))).toBe('ECONNREFUSED');

    await emulator.resume();
    await emulator.resume(); // harmless

    expect(emulator.port).toBe(port);
    expect(emulator.url).toBe(url);
    expect(await whereNow('alice')).toEqual(['lobby']);
  });

  it('presence keeps expiring while suspended', async () => {
    const clock = new ManualClock();
    await start(undefined, { clock });
    const timeouts: string[] = [];
    emulator.events$.subscribe((event) => event.action === 'timeout' && timeouts.push(event.uuid));
    await ok(emulator, heartbeatPath('alice', 'lobby'));

    await emulator.suspend();
    clock.advance(61_000);
    // The background sweep runs about once a second.
    await waitFor(() => timeouts.length === 1, 3_000, 'the timeout while suspended');
    await emulator.resume();

    expect(timeouts).toEqual(['alice']);
    expect(await whereNow('alice')).toEqual([]);
  });

  it('close() works while suspended; resume() after close does nothing', async () => {
    await start();
    await emulator.suspend();
    await emulator.close();
    await emulator.resume();
    expect(await errorCode(get(emulator, '/time/0'))).toBe('ECONNREFUSED');
  });

  it('faults apply again after resume, with the same PRNG', async () => {
    await start({ operations: ['heartbeat'], errorRate: 1, errorStatuses: [503] });
    await emulator.suspend();
    await emulator.resume();
    expect((await request(emulator, heartbeatPath())).status).toBe(503);
  });
});

describe('--faults', () => {
  const fakeIo = () => {
    const io = { out: [] as string[], err: [] as string[], exits: [] as number[] };
    const cli: CliIo = {
      out: (line) => io.out.push(line),
      err: (line) => io.err.push(line),
      exit: (code) => io.exits.push(code),
      onShutdown: () => undefined,
    };
    return { io, cli };
  };

  it('reads the JSON into options', () => {
    expect(optionsFromArgs(['--faults', '{"seed":7,"errorRate":0.25,"latencyMs":[10,20]}'])).toMatchObject({
      faults: { seed: 7, errorRate: 0.25, latencyMs: [10, 20] },
    });
    expect(optionsFromArgs(['--max-channels', '10', '--max-connections', '5'])).toMatchObject({ maxChannelsPerRequest: 10, maxConnections: 5 });
  });

  it.each([
    [['--faults', '{nope'], '--faults must be a JSON object, got "{nope"'],
    [['--faults', '{"resetRate":3}'], '--faults: faults.resetRate must be a number from 0 to 1, got 3'],
  ])('%j → one line on stderr, exit 2', async (args, message) => {
    const { io, cli } = fakeIo();
    await main(args, cli);
    expect(io.err).toEqual([`rx-presence-emulator: ${message} (see --help)`]);
    expect(io.exits).toEqual([2]);
  });

  it('starts with the faults on and says so', async () => {
    const { io, cli } = fakeIo();
    const started = await main(['--port', '0', '--faults', '{"errorRate":1,"errorStatuses":[503]}'], cli);
    try {
      expect(io.out[1]).toBe('injecting faults: {"errorRate":1,"errorStatuses":[503]}');
      expect((await request(started!, '/v2/presence/sub-key/demo/channel/a/heartbeat?uuid=me')).status).toBe(503);
    } finally {
      await started!.close();
    }
  });
});
