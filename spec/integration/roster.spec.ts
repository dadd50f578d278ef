/**
 * roster$ against the emulator over real HTTP: with `source: 'poll'` and `source: 'subscribe'`,
 * both agree with here-now after every step of a scripted session (joins, a state change, a
 * timeout, leaves), including through a 5 s outage, during which status$ says `retrying` and
 * after which it says `live`. The presence timeout runs on the emulator's injected clock.
 */
import { firstValueFrom, type Subscription } from 'rxjs';
import { startEmulator, type Emulator } from '../../lib/emulator';
import { Keyset } from '../../lib/keyset';
import { StateInfo } from '../../lib/operations/here-now';
import { Presence } from '../../lib/presence';
import type { Roster } from '../../lib/streams/roster-stream';
import type { StreamStatus } from '../../lib/streams/status-board';
import { ManualClock, randomKey, waitFor } from '../helpers/emulator';

let emulator: Emulator;
let key: string;
const clock = new ManualClock();
const subscriptions: Subscription[] = [];

beforeEach(async () => {
  emulator = await startEmulator({ hereNowCacheMs: 0, clock });
  key = randomKey();
});
afterEach(async () => {
  for (const subscription of subscriptions.splice(0)) subscription.unsubscribe();
  await emulator.close();
});

const client = (userId: string) => new Presence({ defaultKeyset: new Keyset({ subscribeKey: key, userId }), origin: emulator.url, retry: { attempts: 2, baseDelayMs: 100, jitter: false } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The lobby as `uuid → state` (no state: null), sorted by uuid. */
const ofRoster = (roster: Roster | undefined) =>
  Object.fromEntries([...(roster?.channels.get('lobby')?.members.values() ?? [])].sort((a, b) => a.uuid.localeCompare(b.uuid)).map((m) => [m.uuid, m.state ?? null]));

describe('roster$ against the emulator', () => {
  it('agrees with here-now through a session and a 5 s outage, polled and subscribed; status$ says retrying, then live', async () => {
    const watcher = client('watcher');
    const latest: { poll?: Roster; subscribe?: Roster } = {};
    const errors: unknown[] = [];
    const statuses: Array<readonly StreamStatus[]> = [];
    subscriptions.push(watcher.status$.subscribe((all) => statuses.push(all)));
    for (const source of ['poll', 'subscribe'] as const) {
      subscriptions.push(
        watcher.roster$({ channels: ['lobby'], source, interval: 3, stateInfo: StateInfo.all }).subscribe({
          next: (roster) => (latest[source] = roster),
          error: (error: unknown) => errors.push(error),
        }),
      );
    }
    const hereNow = async () => {
      const result = await firstValueFrom(watcher.hereNow({ channels: ['lobby'], stateInfo: StateInfo.all }));
      const occupants = [...(result.channels.get('lobby')?.uuids.values() ?? [])].sort((a, b) => a.uuid.localeCompare(b.uuid));
      return Object.fromEntries(occupants.map((o) => [o.uuid, o.state ?? null]));
    };
    /** Waits until both rosters show what here-now shows, and returns it. */
    const agreed = async (what: string, expected: Record<string, unknown>) => {
      // The service first (a leave on unsubscribe is on its way), then both rosters.
      await waitFor(async () => JSON.stringify(await hereNow()) === JSON.stringify(expected), 5000, `here-now: ${what}`);
      await waitFor(() => JSON.stringify(ofRoster(latest.poll)) === JSON.stringify(expected) && JSON.stringify(ofRoster(latest.subscribe)) === JSON.stringify(expected), 8000, what);
      expect(latest.poll?.stale).toBe(false);
      expect(latest.subscribe?.stale).toBe(false);
    };
    const now = () => statuses.at(-1) ?? [];
    await waitFor(() => latest.poll !== undefined && latest.subscribe !== undefined, 5000, 'both rosters seeded');
    await agreed('an empty lobby', {});

    // Joins, one with state; a state change.
    const alice = client('alice');
    const alicePresent = alice.heartbeat$({ channels: ['lobby'], state: { lobby: { mood: 'hi' } } }).subscribe();
    subscriptions.push(alicePresent);
    await firstValueFrom(client('bob').announceHeartbeat({ channels: ['lobby'] }));
    await agreed('alice and bob join', { alice: { mood: 'hi' }, bob: null });
    await firstValueFrom(client('bob').setState({ mood: 'busy' }, { channels: ['lobby'] }));
    await agreed('bob changes state', { alice: { mood: 'hi' }, bob: { mood: 'busy' } });
    await firstValueFrom(client('carol').announceHeartbeat({ channels: ['lobby'], heartbeat: 20 }));
    await agreed('carol joins', { alice: { mood: 'hi' }, bob: { mood: 'busy' }, carol: null });

    // A 5 s outage, during which carol times out (on the emulator's clock).
    const outage = Date.now();
    await emulator.suspend();
    clock.advance(25_000);
    // The poll fails at its next interval (3 s); the rest is slack for a busy machine, during
    // which the outage simply lasts longer.
    await waitFor(() => ['poll', 'events'].every((kind) => now().some((s) => s.stream === kind && s.state === 'retrying')), 10_000, 'status$ retrying');
    await waitFor(() => latest.poll?.stale === true && latest.subscribe?.stale === true, 10_000, 'both rosters stale');
    // Nobody is dropped for a failed refresh.
    expect(ofRoster(latest.poll)).toEqual({ alice: { mood: 'hi' }, bob: { mood: 'busy' }, carol: null });
    expect(ofRoster(latest.subscribe)).toEqual({ alice: { mood: 'hi' }, bob: { mood: 'busy' }, carol: null });
    const retrying = now().find((s) => s.stream === 'poll' && s.state === 'retrying');
    expect(retrying?.error?.category).toBe('network');
    expect(retrying?.attempt).toBeGreaterThanOrEqual(1);
    await sleep(Math.max(0, 5000 - (Date.now() - outage)));
    await emulator.resume();

    await agreed('carol timed out', { alice: { mood: 'hi' }, bob: { mood: 'busy' } });
    await waitFor(() => ['poll', 'events'].every((kind) => now().some((s) => s.stream === kind && s.state === 'live')), 8000, 'status$ live');
    expect(now().filter((s) => s.stream !== 'heartbeat').map((s) => s.state)).toEqual(['live', 'live']);

    // Leaves: bob says so; alice's heartbeat$ ends.
    await firstValueFrom(client('bob').announceLeave({ channels: ['lobby'] }));
    await agreed('bob leaves', { alice: { mood: 'hi' } });
    alicePresent.unsubscribe();
    await agreed('alice leaves', {});
    expect(errors).toEqual([]);
  }, 60_000);
});
