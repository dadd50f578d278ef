import { firstValueFrom } from 'rxjs';
import { isPresenceError, PresenceError, type PresenceErrorCategory } from '../../lib/errors';
import { Keyset } from '../../lib/keyset';
import { Presence } from '../../lib/presence';
import { waitFor } from '../helpers/emulator';
import { answer, scriptedServer, type Script } from '../helpers/scripted-server';

const keyset = new Keyset({ subscribeKey: 'sub-c-test', userId: 'me', authKey: 'super-secret-auth', secretKey: 'sec-c-very-secret' });

async function failWith(script: Script, options: { attempts?: number; requestTimeoutMs?: number; maxDelayMs?: number } = {}) {
  const server = await scriptedServer(script);
  const presence = new Presence({
    defaultKeyset: keyset,
    origin: server.url,
    requestTimeoutMs: options.requestTimeoutMs ?? 2000,
    retry: { attempts: options.attempts ?? 3, baseDelayMs: 5, maxDelayMs: options.maxDelayMs ?? 20, jitter: false },
  });
  try {
    const error = await firstValueFrom(presence.hereNow({ channels: ['lobby'] })).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { error: error as PresenceError, hits: server.hits };
  } finally {
    await server.close();
  }
}

const cases: Array<[string, PresenceErrorCategory, number, Script, RegExp]> = [
  ['400 with a service body', 'bad-request', 1, answer(400, { status: 400, error: 1, message: 'Invalid Arguments', service: 'Presence' }), /400 Invalid Arguments/],
  ['403 Access Manager', 'access-denied', 1, answer(403, { message: 'Forbidden', payload: { channels: ['lobby'] }, error: true, service: 'Access Manager', status: 403 }), /403 Forbidden/],
  ['404 without status key', 'not-found', 1, answer(404, { message: "Not found: '/v2/x'", error: 1, service: 'Presence' }), /404 Not found/],
  ['429 with Retry-After', 'too-many-requests', 3, answer(429, { status: 429, error: true, message: 'Too Many Requests', service: 'Presence' }, { 'retry-after': '0' }), /429 Too Many Requests/],
  ['503', 'server-error', 3, answer(503, { status: 503, error: true, message: 'Service Unavailable', service: 'Presence' }), /503 Service Unavailable/],
  ['500 with an empty body', 'server-error', 3, answer(500, ''), /500 got an empty body/],
  ['an HTML page on 200', 'malformed-response', 3, answer(200, '<html><body>Captive portal</body></html>', { 'content-type': 'text/html' }), /HTML page/],
  ['truncated JSON', 'malformed-response', 3, answer(200, '{"status":200,"occupancy":'), /not valid JSON/],
  ['JSON of the wrong shape', 'malformed-response', 1, answer(200, { status: 200, occupancy: '2', uuids: ['a', { uuid: 3 }] }), /at occupancy: expected number, got "2"/],
  ['a "false 200"', 'server-error', 3, answer(200, { status: 503, message: 'Service Unavailable', error: 1, service: 'Presence' }), /503 Service Unavailable/],
  ['a connection reset', 'network', 3, (_req, _res, socket) => socket.destroy(), /network failure, ECONNRESET/],
];

describe('error categories over real HTTP', () => {
  it.each(cases)('%s → %s after %i request(s)', async (_name, category, requests, script, message) => {
    const { error, hits } = await failWith(script);
    expect(isPresenceError(error)).toBe(true);
    expect(error.category).toBe(category);
    expect(error.operation).toBe('hereNow');
    expect(error.message).toMatch(message);
    expect(hits).toBe(requests);
    // Nothing secret in the message, the details, or anywhere in the serialised error.
    const everything = `${error.message} ${JSON.stringify(error.details)} ${String(error.stack)}`;
    expect(everything).not.toContain('super-secret-auth');
    expect(everything).not.toContain('sec-c-very-secret');
    expect(error.details.url).toMatch(/^\/v2\/presence\/sub-key\/sub-c-test\/channel\/lobby\?/);
  });

  it('puts the URL in errors with credentials redacted', async () => {
    const { error } = await failWith(answer(403, { message: 'Forbidden', error: true, service: 'Access Manager', status: 403 }));
    expect(error.details.url).toMatch(/auth=\*\*\*/);
    expect(error.details.url).toMatch(/signature=\*\*\*/);
    expect(error.details.url).toMatch(/timestamp=\d+/);
    expect(error.message).toContain(error.details.url);
  });

  it('decode issues are structured', async () => {
    const { error } = await failWith(answer(200, { status: 200, occupancy: '2', uuids: ['a', { uuid: 3 }] }));
    expect(error.issues).toEqual([
      { path: 'occupancy', expected: 'number', actual: '2' },
      { path: 'uuids[1]', expected: 'string', actual: { uuid: 3 } },
      { path: 'uuids[1].uuid', expected: 'string', actual: 3 },
    ]);
    expect(error.message).toBe(
      'hereNow: unexpected response (GET /v2/presence/sub-key/sub-c-test/channel/lobby?limit=1000)\n' +
        'at occupancy: expected number, got "2"\nat uuids[1]: expected string, got {"uuid":3}\nat uuids[1].uuid: expected string, got 3',
    );
  });

  it('a hang becomes a timeout, retried as transient', async () => {
    const { error, hits } = await failWith(() => undefined, { requestTimeoutMs: 150, attempts: 2 });
    expect(error.category).toBe('timeout');
    expect(error.message).toMatch(/no response within 150 ms/);
    expect(hits).toBe(2);
  });

  it('an unreachable origin is a network error', async () => {
    const server = await scriptedServer(answer(200, {}));
    const origin = server.url;
    await server.close();
    const presence = new Presence({ defaultKeyset: keyset, origin, retry: { attempts: 1 } });
    const error = (await firstValueFrom(presence.whereNow()).catch((e: unknown) => e)) as PresenceError;
    expect(error.category).toBe('network');
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('honours Retry-After for the delay', async () => {
    const started = Date.now();
    const { hits } = await failWith(answer(429, { status: 429, message: 'Too Many Requests' }, { 'retry-after': '1' }), { attempts: 2, maxDelayMs: 5000 });
    expect(hits).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('unsubscribing mid-request aborts it: the server sees the connection close', async () => {
    const server = await scriptedServer(() => undefined);
    const presence = new Presence({ defaultKeyset: keyset, origin: server.url });
    const subscription = presence.hereNow({ channels: ['lobby'] }).subscribe();
    await waitFor(() => server.hits === 1);
    subscription.unsubscribe();
    await waitFor(() => server.closedRequests.length === 1);
    expect(server.closedRequests[0]).toMatch(/^\/v2\/presence\/sub-key\/sub-c-test\/channel\/lobby\?/);
    await server.close();
  });
});

