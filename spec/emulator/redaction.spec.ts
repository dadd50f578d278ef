/**
 * No credential leaves the emulator (issue 7): `requests$` records, log lines and error bodies never
 * carry an `auth` or `signature` value, however the request was spelled or whatever became of it.
 */
import http from 'node:http';
import { startEmulator, type Emulator, type EmulatorRequestRecord } from '../../lib/emulator';
import { redactQueryString } from '../../lib/emulator/request-log';
import { canonicalQuery } from '../../lib/protocol/encoding';
import { signV2 } from '../../lib/transport/signature';
import { randomKey, rawExchange, request, subscribePath, waitFor } from '../helpers/emulator';

const AUTH = 'AUTHSECRET7f3a9c';
const SIGNATURE = 'v2.SIGSECRETabc123';
const SECRET_KEY = 'sec-c-NEVERSHOWN';
const leaked = (text: string) => /AUTHSECRET|SIGSECRET|NEVERSHOWN|QUVUSFNFQ1JFV|%41UTHSECRET/i.test(text);

let emulator: Emulator;
let records: EmulatorRequestRecord[];
let logLines: string[];
let bodies: string[];
const signedKeyset = { subscribeKey: randomKey(), publishKey: 'pub-c-x', secretKey: SECRET_KEY };
const openKey = randomKey();

beforeAll(async () => {
  records = [];
  logLines = [];
  bodies = [];
  emulator = await startEmulator({
    hereNowCacheMs: 0,
    keysets: [signedKeyset, { subscribeKey: openKey }],
    log: (line) => logLines.push(line),
    subscribeTimeoutMs: 200,
  });
  emulator.requests$.subscribe((record) => records.push(record));
});

afterAll(() => emulator.close());

const send = async (pathAndQuery: string) => {
  const response = await request(emulator, pathAndQuery);
  bodies.push(response.text);
  return response;
};

it('records keep the keys but not the values of auth and signature', async () => {
  await send(`/v2/presence/sub-key/${openKey}/channel/a/heartbeat?uuid=me&auth=${AUTH}&signature=${SIGNATURE}`);

  expect(records.at(-1)).toEqual({
    method: 'GET', path: `/v2/presence/sub-key/${openKey}/channel/a/heartbeat`, operation: 'heartbeat', status: 200,
    query: { uuid: 'me', auth: '***', signature: '***' },
  });
  expect(logLines.at(-1)).toMatch(/\?uuid=me&auth=\*\*\*&signature=\*\*\* → 200 heartbeat /);
});

it('however the key is encoded on the wire', async () => {
  await send(`/v2/presence/sub-key/${openKey}/channel/a/heartbeat?uuid=me&%61uth=${AUTH}&si%67nature=${SIGNATURE}&auth=${AUTH}2`);

  expect(records.at(-1)!.query).toEqual({ uuid: 'me', auth: '***', signature: '***' });
  expect(logLines.at(-1)).toContain('?uuid=me&%61uth=***&si%67nature=***&auth=***');
  expect(redactQueryString(`a+uth=x&auth=${AUTH}&%ZZ=${AUTH}&x=1`)).toBe('a+uth=x&auth=***&%ZZ=***&x=1');
});

it('in no record, log line or error body, whatever became of the request', async () => {
  const credentials = `auth=${AUTH}&signature=${SIGNATURE}`;
  const signedPath = `/v2/presence/sub-key/${signedKeyset.subscribeKey}/channel/a/heartbeat`;
  const query = { uuid: 'me', auth: AUTH, timestamp: String(Math.floor(Date.now() / 1000)) };
  const good = `${signedPath}?${canonicalQuery({ ...query, signature: await signV2({ ...signedKeyset, method: 'GET', path: signedPath, query }) })}`;
  const paths = [
    `/nope?${credentials}`, // 404 quoting the path
    `/v2/presence/sub-key/${openKey}/channel/a/bogus?uuid=me&${credentials}`, // 404 on a presence path
    `/v2/presence/sub-key/${openKey}/channel/a/heartbeat?${credentials}`, // 400 no uuid
    `/v2/presence/sub-key/${openKey}/channel/a/heartbeat?uuid=me&auth=%ZZ${AUTH}`, // 400 bad encoding in the credential
    `/v2/presence/sub-key/${openKey}/channel/%ZZ/heartbeat?uuid=me&${credentials}`, // 400 bad encoding in the path
    `/v2/presence/sub-key/${openKey}/channel/a/uuid/me/data?uuid=me&state=nope&${credentials}`, // 400 bad state
    `/v2/presence/sub-key/${randomKey()}/channel/a?uuid=me&${credentials}`, // 400 unknown keyset
    `${signedPath}?uuid=me&${credentials}&timestamp=1`, // 403 stale
    `${signedPath}?uuid=me&${credentials}&timestamp=${query.timestamp}`, // 403 invalid signature
    good, // 200
    good, // 403 replay
    `/v2/presence/sub-key/${openKey}/channel/${'c,'.repeat(600)}x/heartbeat?uuid=me&${credentials}`, // 400 too many channels
    `/v2/presence/sub-key/${openKey}/channel/a/heartbeat?uuid=me&pad=${'p'.repeat(33_000)}&${credentials}`, // 414, log line cut
    subscribePath(openKey, ['a-pnpres'], { uuid: 'me', tt: '1', auth: AUTH, signature: SIGNATURE }), // held, then answered
  ];
  for (const path of paths) await send(path);
  expect((await request(emulator, `/v2/presence/sub-key/${openKey}/channel/a?uuid=me&${credentials}`, 'POST')).status).toBe(405);

  // Faulted, then refused for too many connections, then an abandoned subscribe.
  emulator.setFaults({ errorRate: 0.5, truncateRate: 0.25, false200Rate: 0.25 });
  for (let i = 0; i < 8; i++) await send(`/v2/presence/sub-key/${openKey}/channel/a?uuid=me&${credentials}`);
  emulator.setFaults({ resetRate: 1 });
  await fetch(`${emulator.url}/v2/presence/sub-key/${openKey}/channel/a?uuid=me&${credentials}`).catch(() => undefined);
  emulator.setFaults(undefined);
  const abandon = new AbortController();
  const { t } = (await (await fetch(`${emulator.url}${subscribePath(openKey, ['b-pnpres'], { uuid: 'me' })}`)).json()) as { t: { t: string } };
  const poll = fetch(`${emulator.url}${subscribePath(openKey, ['b-pnpres'], { uuid: 'me', tt: t.t, auth: AUTH })}`, { signal: abandon.signal }).catch(() => undefined);
  await waitFor(() => emulator.heldSubscribes() === 1, 2_000, 'held subscribe');
  abandon.abort();
  await poll;
  await waitFor(() => logLines.some((line) => line.includes('abandoned subscribe')), 2_000, 'the abandoned line');
  // Node's own parse errors: a garbage request line still carrying a credential.
  bodies.push(await rawExchange(emulator.port, `GET /x?auth=${AUTH} HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n`));

  const statuses = new Set(records.map((record) => record.status));
  expect([...statuses].sort()).toEqual(expect.arrayContaining([0, 200, 400, 403, 404, 405, 414]));
  expect(records.filter((record) => record.fault !== undefined).length).toBeGreaterThan(4);
  for (const text of [...bodies, ...logLines, ...records.map((record) => JSON.stringify(record))]) {
    expect(leaked(text) ? text : 'clean').toBe('clean');
  }
  expect(logLines.length).toBeGreaterThanOrEqual(paths.length);
});

it('nor for a connection beyond maxConnections', async () => {
  const lines: string[] = [];
  const seen: EmulatorRequestRecord[] = [];
  const small = await startEmulator({ maxConnections: 1, log: (line) => lines.push(line) });
  small.requests$.subscribe((record) => seen.push(record));
  const keep = new http.Agent({ keepAlive: true });
  try {
    await new Promise((resolve) => http.get(`${small.url}/time/0`, { agent: keep }, (res) => res.resume().on('end', resolve)));
    const refused = await request(small, `/v2/presence/sub-key/demo/channel/a?uuid=me&auth=${AUTH}`);
    expect(refused.status).toBe(503);
    expect(leaked(refused.text)).toBe(false);
    expect(seen.at(-1)).toMatchObject({ status: 503, query: { uuid: 'me', auth: '***' } });
    expect(lines.some(leaked)).toBe(false);
  } finally {
    keep.destroy();
    await small.close();
  }
});
