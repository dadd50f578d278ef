/**
 * The official `pubnub` SDK (11.0.2), unchanged, subscribing with presence against the emulator:
 * its own subscribe loop (event engine, the v11 default, and the legacy loop), its own heartbeat
 * loop, and its listener's view of join, state-change, leave, timeout and interval events.
 *
 * Presence timeouts are the SDK's own `presenceTimeout: 3` (heartbeat every 0.5 s), so a timeout
 * takes 3–4 s of real time; everything else is immediate.
 */
import type PubNub from 'pubnub';
import { EmulatorServer } from '../../lib/emulator/server';
import type { EmulatorRequestRecord } from '../../lib/emulator';
import { randomKey, sdkFor, waitFor } from '../helpers/emulator';

/** A presence event as the SDK's listener hands it over (`data` renamed to `state`, `here_now_refresh` to `hereNowRefresh`). */
type Presence = PubNub.Subscription.Presence & Record<string, unknown>;

const PRESENCE_TIMEOUT = 3;

let emulator: EmulatorServer;
let key: string;
let clients: PubNub[];
let requests: EmulatorRequestRecord[];

beforeEach(async () => {
  emulator = await EmulatorServer.start({ hereNowCacheMs: 0, announceMax: 5 });
  key = randomKey();
  clients = [];
  requests = [];
  emulator.requests$.subscribe((record) => requests.push(record));
});

afterEach(async () => {
  // Offline destroy: no leave requests racing the shutdown.
  for (const client of clients) client.destroy(true);
  await waitFor(() => emulator.heldSubscribes() === 0, 2_000, 'the SDKs to drop their long-polls');
  await emulator.close();
});

const sdk = (userId: string, extra: Partial<PubNub.PubNubConfiguration> = {}): PubNub => {
  const client = sdkFor(emulator, key, userId, extra);
  clients.push(client);
  return client;
};

/** Collects what a listener receives; `next` waits for the first not yet taken that matches. */
class Inbox {
  readonly all: Presence[] = [];
  private taken = 0;

  readonly push = (event: Presence): void => {
    this.all.push(event);
  };

  // A bound on waiting, not on speed: an event comes at once or not at all, and a loaded CI machine
  // (three jest workers, the type check, Chromium) can take seconds to start an SDK's event engine.
  async next(match: (event: Presence) => boolean, what: string, timeoutMs = 8_000): Promise<Presence> {
    let found: Presence | undefined;
    await waitFor(() => (found = this.all.slice(this.taken).find(match)) !== undefined, timeoutMs, what);
    this.taken = this.all.indexOf(found!) + 1;
    return found!;
  }
}

const common = {
  timetoken: expect.stringMatching(/^\d{17}$/),
  timestamp: expect.any(Number),
  precise_timestamp: expect.any(Number),
};

it('event engine: A sees B join, change state, leave, come back and time out; C stays present through its heartbeat loop', async () => {
  const inbox = new Inbox();
  const alice = sdk('alice');
  const subscription = alice.channel('lobby').subscription({ receivePresenceEvents: true });
  subscription.onPresence = (event) => inbox.push(event as Presence);
  subscription.subscribe();
  // A subscribe makes its user present too, so alice first sees herself.
  await inbox.next((e) => e.action === 'join' && e.uuid === 'alice', "alice's own join");

  const bob = sdk('bob', { presenceTimeout: PRESENCE_TIMEOUT });
  const carol = sdk('carol', { presenceTimeout: PRESENCE_TIMEOUT });
  bob.subscribe({ channels: ['lobby'] });
  const bobJoin = await inbox.next((e) => e.uuid === 'bob', "bob's join");
  carol.subscribe({ channels: ['lobby'] });
  const carolJoin = await inbox.next((e) => e.uuid === 'carol', "carol's join");
  const carolJoinedAt = Date.now();

  expect(bobJoin).toEqual({
    channel: 'lobby', subscription: 'lobby-pnpres', actualChannel: 'lobby', subscribedChannel: 'lobby-pnpres',
    action: 'join', uuid: 'bob', occupancy: 2, ...common,
  });
  expect(carolJoin).toMatchObject({ action: 'join', uuid: 'carol', occupancy: 3, channel: 'lobby', subscription: 'lobby-pnpres' });

  await bob.setState({ channels: ['lobby'], state: { mood: 'busy' } });
  const stateChange = await inbox.next((e) => e.uuid === 'bob', "bob's state-change");
  expect(stateChange).toEqual({
    channel: 'lobby', subscription: 'lobby-pnpres', actualChannel: 'lobby', subscribedChannel: 'lobby-pnpres',
    action: 'state-change', uuid: 'bob', occupancy: 3, state: { mood: 'busy' }, ...common,
  });

  bob.unsubscribe({ channels: ['lobby'] });
  const leave = await inbox.next((e) => e.uuid === 'bob', "bob's leave");
  expect(leave).toEqual({
    channel: 'lobby', subscription: 'lobby-pnpres', actualChannel: 'lobby', subscribedChannel: 'lobby-pnpres',
    action: 'leave', uuid: 'bob', occupancy: 2, state: { mood: 'busy' }, ...common,
  });

  bob.subscribe({ channels: ['lobby'] });
  await inbox.next((e) => e.uuid === 'bob' && e.action === 'join', "bob's second join");
  // Gone without a word: no leave, no more heartbeats or polls.
  bob.destroy(true);
  const stoppedAt = Date.now();
  const timeout = await inbox.next((e) => e.uuid === 'bob', "bob's timeout", 6_000);

  expect(timeout).toEqual({
    channel: 'lobby', subscription: 'lobby-pnpres', actualChannel: 'lobby', subscribedChannel: 'lobby-pnpres',
    action: 'timeout', uuid: 'bob', occupancy: 2, ...common,
  });
  expect(Date.now() - stoppedAt).toBeGreaterThan((PRESENCE_TIMEOUT - 1) * 1000);
  // Each event exactly once, in timetoken order, across all of alice's reconnecting polls.
  expect(inbox.all.map((e) => `${e.action}:${e.uuid}:${e.occupancy}`)).toEqual([
    'join:alice:1', 'join:bob:2', 'join:carol:3', 'state-change:bob:3', 'leave:bob:2', 'join:bob:3', 'timeout:bob:2',
  ]);
  const tokens = inbox.all.map((e) => BigInt(e.timetoken));
  for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBeGreaterThan(tokens[i - 1]);
  // Carol, longer than her presence timeout in the channel, was kept there by her own heartbeats.
  expect(Date.now() - carolJoinedAt).toBeGreaterThan(PRESENCE_TIMEOUT * 1000);
  const carolBeats = requests.filter((r) => r.operation === 'heartbeat' && r.query.uuid === 'carol');
  expect(carolBeats.length).toBeGreaterThanOrEqual(4);
  expect(carolBeats.every((r) => r.query.heartbeat === String(PRESENCE_TIMEOUT) && r.status === 200)).toBe(true);
  const here = await alice.hereNow({ channels: ['lobby'] });
  expect(here.channels.lobby.occupants.map((o) => o.uuid).sort()).toEqual(['alice', 'carol']);
  // The event engine's subscribe requests, as the SDK sends them.
  const subscribes = requests.filter((r) => r.operation === 'subscribe' && r.query.uuid === 'alice');
  expect(subscribes[0]).toMatchObject({ path: `/v2/subscribe/${key}/lobby,lobby-pnpres/0`, query: { ee: '' } });
  expect(subscribes[0].query.tt).toBeUndefined();
  expect(subscribes[1].query).toMatchObject({ ee: '', tt: expect.stringMatching(/^\d{17}$/), tr: '1' });
}, 40_000);

it('legacy loop with a channel group: heartbeat on subscribe, events named by the group, interval events, timeout', async () => {
  const inbox = new Inbox();
  const alice = sdk('alice', { enableEventEngine: false });
  await alice.channelGroups.addChannels({ channelGroup: 'rooms', channels: ['r1', 'r2'] });
  alice.addListener({ presence: (event) => inbox.push(event as Presence) });
  alice.subscribe({ channelGroups: ['rooms'], withPresence: true });
  await inbox.next((e) => e.uuid === 'alice' && e.channel === 'r2', "alice's own joins");

  const dave = sdk('dave', { enableEventEngine: false, presenceTimeout: PRESENCE_TIMEOUT });
  dave.subscribe({ channelGroups: ['rooms'] });
  const joins = [
    await inbox.next((e) => e.uuid === 'dave', "dave's join on one room"),
    await inbox.next((e) => e.uuid === 'dave', "dave's join on the other"),
  ];
  expect(joins.sort((a, b) => a.channel.localeCompare(b.channel))).toEqual(
    ['r1', 'r2'].map((channel) => ({
      channel, subscription: 'rooms-pnpres', actualChannel: channel, subscribedChannel: 'rooms-pnpres',
      action: 'join', uuid: 'dave', occupancy: 2, ...common,
    })),
  );
  // The legacy loop carries the presence timeout on the subscribe itself.
  expect(requests.find((r) => r.operation === 'subscribe' && r.query.uuid === 'dave')?.query).toMatchObject({
    'channel-group': 'rooms', heartbeat: String(PRESENCE_TIMEOUT),
  });

  // Four more occupants take r1 above announce max (5): the SDK receives an interval event.
  const { presence } = emulator.keyspaces.write(key);
  for (const uuid of ['e1', 'e2', 'e3', 'e4']) presence.heartbeat(uuid, ['r1'], 60);
  await inbox.next((e) => e.uuid === 'e3', 'the last announced join');
  emulator.flushIntervals();
  const interval = await inbox.next((e) => e.action === 'interval', 'an interval event');
  expect(interval).toEqual({
    channel: 'r1', subscription: 'rooms-pnpres', actualChannel: 'r1', subscribedChannel: 'rooms-pnpres',
    action: 'interval', occupancy: 6, join: ['e4'], hereNowRefresh: false,
    timetoken: expect.stringMatching(/^\d{17}$/), timestamp: expect.any(Number),
  });

  dave.destroy(true);
  const timeouts = [
    await inbox.next((e) => e.uuid === 'dave', "dave's timeout", 6_000),
    await inbox.next((e) => e.uuid === 'dave', "dave's other timeout", 6_000),
  ];
  // r1 drops back to announce max, so its timeout is announced individually again.
  expect(timeouts.map((e) => [e.action, e.channel, e.subscription, e.occupancy]).sort()).toEqual([
    ['timeout', 'r1', 'rooms-pnpres', 5],
    ['timeout', 'r2', 'rooms-pnpres', 1],
  ]);
}, 40_000);
