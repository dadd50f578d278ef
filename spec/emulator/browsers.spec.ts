/**
 * The emulator serves browsers (issue 11): CORS preflights are answered, every answer (errors
 * included) allows any origin, and `close()` is graceful, so a test that unsubscribes and closes
 * leaves nothing behind.
 */
import http from 'node:http';
import { firstValueFrom } from 'rxjs';
import { startEmulator, type Emulator, type EmulatorPresenceEvent, type EmulatorRequestRecord } from '../../lib/emulator';
import { Keyset } from '../../lib/keyset';
import { Presence } from '../../lib/presence';
import { settled } from '../../lib/streams/shared-loop';
import { randomKey, rawExchange, request, waitFor } from '../helpers/emulator';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** A raw request with the given method and headers, on its own connection. */
function send(target: Emulator, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${target.url}${path}`, { method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('CORS', () => {
  it('answers a preflight with 204 and the Allow headers, and records it', async () => {
    emulator = await startEmulator();
    const records: EmulatorRequestRecord[] = [];
    emulator.requests$.subscribe((r) => records.push(r));
    const path = `/v2/presence/sub-key/${randomKey()}/channel/lobby/heartbeat?uuid=me`;

    const answer = await send(emulator, 'OPTIONS', path, {
      Origin: 'http://app.example',
      'Access-Control-Request-Method': 'GET',
      'Access-Control-Request-Headers': 'x-request-id, content-type',
    });

    expect(answer.status).toBe(204);
    expect(answer.body).toBe('');
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': expect.stringContaining('GET'),
      'access-control-allow-headers': 'x-request-id, content-type',
      'access-control-max-age': expect.stringMatching(/^\d+$/),
    });
    expect(records).toEqual([expect.objectContaining({ method: 'OPTIONS', status: 204, operation: 'heartbeat' })]);
  });

  it('does not echo a header list that is not one', async () => {
    emulator = await startEmulator();
    const answer = await send(emulator, 'OPTIONS', '/time/0', { 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'x-a; (y)' });
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-headers']).toBeUndefined();
  });

  it('an OPTIONS that is no preflight is still 405, allowed to any origin', async () => {
    emulator = await startEmulator();
    const answer = await send(emulator, 'OPTIONS', '/time/0');
    expect(answer.status).toBe(405);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
  });

  it('every answer carries Access-Control-Allow-Origin, errors and faults included', async () => {
    emulator = await startEmulator({ keysets: [{ subscribeKey: 'signed', secretKey: 'sec' }, { subscribeKey: 'open' }], maxChannelsPerRequest: 2 });
    const paths = [
      '/time/0', // 200
      '/v2/presence/sub-key/open/channel/a/heartbeat', // 400 no uuid
      '/v2/presence/sub-key/signed/channel/a/heartbeat?uuid=me', // 403 unsigned
      '/nope', // 404
      `/v2/presence/sub-key/open/channel/a?uuid=me&x=${'y'.repeat(40_000)}`, // 414
      '/v2/presence/sub-key/open/channel/a,b,c/heartbeat?uuid=me', // 400 too many channels
    ];
    const statuses: number[] = [];
    for (const path of paths) {
      const answer = await request(emulator, path);
      statuses.push(answer.status);
      expect({ path: path.slice(0, 60), allow: answer.headers.get('access-control-allow-origin') }).toEqual({ path: path.slice(0, 60), allow: '*' });
    }
    expect(statuses).toEqual([200, 400, 403, 404, 414, 400]);

    emulator.setFaults({ seed: 1, errorRate: 1, errorStatuses: [503] });
    const faulted = await request(emulator, '/v2/presence/sub-key/open/channel/a?uuid=me');
    expect(faulted.status).toBe(503);
    expect(faulted.headers.get('access-control-allow-origin')).toBe('*');

    // What Node cannot even parse gets the service's JSON, allowed too.
    const raw = await rawExchange(emulator.port, 'GARBAGE\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('Access-Control-Allow-Origin: *');
  });

  it('beyond maxConnections the 503 is allowed to any origin too', async () => {
    emulator = await startEmulator({ maxConnections: 1 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const hold = await new Promise<http.IncomingMessage>((resolve) => http.get(`${emulator!.url}/time/0`, { agent }, resolve));
    hold.resume();
    const refused = await send(emulator, 'GET', '/time/0');
    agent.destroy();
    expect(refused.status).toBe(503);
    expect(refused.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('close()', () => {
  it('a leave sent just before close() lands, is not retried, and nothing is left open', async () => {
    emulator = await startEmulator({ hereNowCacheMs: 0 });
    const subscribeKey = randomKey();
    const events: EmulatorPresenceEvent[] = [];
    const records: EmulatorRequestRecord[] = [];
    emulator.events$.subscribe((e) => events.push(e));
    emulator.requests$.subscribe((r) => records.push(r));
    const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: 'alice' }), origin: emulator.url });
    const present = presence.heartbeat$({ channels: ['lobby'] }).subscribe();
    await waitFor(() => events.some((e) => e.action === 'join'), 5_000, 'the join');

    const started = Date.now();
    present.unsubscribe();
    await emulator.close();
    const took = Date.now() - started;

    expect(events.map((e) => `${e.action} ${e.uuid}`)).toEqual(['join alice', 'leave alice']);
    expect(records.filter((r) => r.operation === 'leave').map((r) => r.status)).toEqual([200]);
    // The leave was answered, so the client has no retry pending.
    await Promise.all([...presence.context.loops.heartbeats.values()].map(settled));
    expect(took).toBeLessThan(1_500);
    expect((emulator as unknown as { openConnections(): number }).openConnections()).toBe(0);
  });

  it('answers a request still waiting on injected latency before it closes', async () => {
    emulator = await startEmulator({ faults: { seed: 1, latencyMs: 200 } });
    const answer = send(emulator, 'GET', `/v2/presence/sub-key/${randomKey()}/channel/lobby?uuid=me`);
    await waitFor(() => (emulator as unknown as { openConnections(): number }).openConnections() > 0, 2_000, 'the connection');
    await new Promise((resolve) => setTimeout(resolve, 50)); // the request is in, its answer delayed
    const closed = emulator.close();
    const { status, headers } = await answer;
    await closed;
    expect(status).toBe(200);
    expect(headers.connection).toBe('close');
  });

  it('is bounded: a request that never gets an answer (a hang) does not hold it open past about a second', async () => {
    emulator = await startEmulator({ faults: { seed: 1, hangRate: 1 } });
    const hung = send(emulator, 'GET', `/v2/presence/sub-key/${randomKey()}/channel/lobby?uuid=me`).then(
      () => 'answered',
      () => 'reset',
    );
    await waitFor(() => (emulator as unknown as { openConnections(): number }).openConnections() > 0, 2_000, 'the connection');
    const started = Date.now();
    await emulator.close();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await hung).toBe('reset');
  });

  it('ends idle keep-alive connections and completes its streams', async () => {
    emulator = await startEmulator();
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve) => http.get(`${emulator!.url}/time/0`, { agent }, (res) => res.resume().on('end', resolve)));
    expect((emulator as unknown as { openConnections(): number }).openConnections()).toBe(1);
    const completed = firstValueFrom(emulator.events$, { defaultValue: 'completed' });

    await emulator.close();

    expect(await completed).toBe('completed');
    expect((emulator as unknown as { openConnections(): number }).openConnections()).toBe(0);
    agent.destroy();
  });
});
