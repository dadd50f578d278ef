/**
 * Held subscribes and the rest of the server: thousands held at once do not block other requests,
 * abandoned ones leave nothing behind, and `close()` releases every one of them.
 */
import { request as httpRequest } from 'node:http';
import { EmulatorServer } from '../../lib/emulator/server';
import { ok, randomKey, subscribeOnce, subscribePath, waitFor, type SubscribeBody } from '../helpers/emulator';

let emulator: EmulatorServer;
let key: string;

beforeEach(async () => {
  emulator = await EmulatorServer.start({ hereNowCacheMs: 0 }); // default 280 s long-poll timeout
  key = randomKey();
});

afterEach(() => emulator.close());

/** A raw GET on its own socket (no agent), so aborting it closes exactly one connection. */
const rawGet = (path: string) => {
  const req = httpRequest({ host: '127.0.0.1', port: emulator.port, path, agent: false });
  const done = new Promise<{ status: number; body: string } | 'aborted'>((resolve) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve('aborted'));
    });
    req.on('error', () => resolve('aborted'));
  });
  req.end();
  return { abort: () => req.destroy(), done };
};

/** A raw GET answered with 200; its parsed body. */
const rawJson = async <T = unknown>(path: string): Promise<T> => {
  const answer = await rawGet(path).done;
  if (answer === 'aborted' || answer.status !== 200) throw new Error(`${path} → ${JSON.stringify(answer)}`);
  return JSON.parse(answer.body) as T;
};

it('1,000 held long-polls do not block other requests, and aborting them all leaves nothing behind', async () => {
  // Every request here is on its own connection (no keep-alive), so the count must return to zero.
  const baseline = { connections: emulator.openConnections(), held: emulator.heldSubscribes(), watchers: emulator.feedWatchers() };
  const { t } = await rawJson<SubscribeBody>(subscribePath(key, ['lobby-pnpres'], { uuid: 'w' }));
  const polls: ReturnType<typeof rawGet>[] = [];
  // In waves of 200, below the listen backlog, so no connection waits for a SYN retry.
  for (let i = 0; i < 1_000; i++) {
    if (i % 200 === 0) await waitFor(() => emulator.heldSubscribes() === i, 10_000, `${i} held polls`);
    polls.push(rawGet(subscribePath(key, [`room-${i % 10}-pnpres`, 'lobby-pnpres'], { uuid: `w${i}`, tt: t.t })));
  }
  await waitFor(() => emulator.heldSubscribes() === 1_000, 10_000, '1,000 held polls');
  expect(emulator.feedWatchers()).toBe(1_000);

  // Meanwhile the server answers everything else at once.
  const started = Date.now();
  await rawJson(`/v2/presence/sub-key/${key}/channel/elsewhere/heartbeat?uuid=alice`);
  expect(await rawJson(`/v2/presence/sub-key/${key}/channel/elsewhere?uuid=me`)).toMatchObject({ occupancy: 1 });
  expect((await rawJson<SubscribeBody>(subscribePath(key, ['other-pnpres'], { uuid: 'x' }))).m).toEqual([]);
  expect(Date.now() - started).toBeLessThan(1_000);

  for (const poll of polls) poll.abort();
  expect(new Set(await Promise.all(polls.map((poll) => poll.done)))).toEqual(new Set(['aborted']));

  await waitFor(
    () => emulator.heldSubscribes() === baseline.held && emulator.openConnections() === baseline.connections,
    5_000,
    'every aborted poll to be forgotten',
  );
  expect(emulator.feedWatchers()).toBe(baseline.watchers);

  // And the channel still works for the next subscriber.
  const next = rawJson<SubscribeBody>(subscribePath(key, ['lobby-pnpres'], { uuid: 'w', tt: t.t }));
  await waitFor(() => emulator.heldSubscribes() === 1);
  await rawJson(`/v2/presence/sub-key/${key}/channel/lobby/heartbeat?uuid=bob`);
  expect((await next).m.map((m) => m.d.uuid)).toEqual(['bob']);
}, 30_000);

it('one event releases every poll watching it, each once, and only those', async () => {
  const { t } = await subscribeOnce(emulator, subscribePath(key, ['a-pnpres'], { uuid: 'w' }));
  const watchingA = Array.from({ length: 50 }, (_, i) => rawGet(subscribePath(key, ['a-pnpres'], { uuid: `w${i}`, tt: t.t })));
  const watchingB = Array.from({ length: 50 }, (_, i) => rawGet(subscribePath(key, ['b-pnpres'], { uuid: `v${i}`, tt: t.t })));
  await waitFor(() => emulator.heldSubscribes() === 100);

  await ok(emulator, `/v2/presence/sub-key/${key}/channel/a/heartbeat?uuid=alice`);
  const answers = await Promise.all(watchingA.map((poll) => poll.done));

  for (const answer of answers) {
    if (answer === 'aborted') throw new Error('aborted');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).m.map((m: { d: { uuid: string } }) => m.d.uuid)).toEqual(['alice']);
  }
  expect(emulator.heldSubscribes()).toBe(50);
  for (const poll of watchingB) poll.abort();
  await waitFor(() => emulator.heldSubscribes() === 0);
});

it('close() answers every held poll with no messages, promptly, and stops the timers', async () => {
  const { t } = await subscribeOnce(emulator, subscribePath(key, ['lobby-pnpres'], { uuid: 'w' }));
  const polls = Array.from({ length: 100 }, (_, i) => rawGet(subscribePath(key, ['lobby-pnpres'], { uuid: `w${i}`, tt: t.t })));
  await waitFor(() => emulator.heldSubscribes() === 100);
  const started = Date.now();

  await emulator.close();
  const answers = await Promise.all(polls.map((poll) => poll.done));

  expect(Date.now() - started).toBeLessThan(1_000);
  expect(emulator.heldSubscribes()).toBe(0);
  expect(emulator.feedWatchers()).toBe(0);
  // Written before the sockets closed: a clean, empty answer (at worst a reset), never a hang.
  for (const answer of answers) {
    if (answer !== 'aborted') expect(JSON.parse(answer.body)).toEqual({ t: { t: t.t, r: 1 }, m: [] });
  }
  expect(answers.filter((answer) => answer !== 'aborted').length).toBeGreaterThan(0);
});
