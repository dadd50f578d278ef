/**
 * The loop-key readers of `rx-presence/browser` (lib/browser/loop-keys.ts) read the keys that
 * `heartbeat$` and `hereNow$` make: a change of either format fails here, not in a browser.
 */
import { NEVER } from 'rxjs';
import { heartbeatOptions, pollOptions, readLoopKey } from '../../lib/browser/loop-keys';
import { StateInfo } from '../../lib/operations/here-now';
import { keysetId } from '../../lib/streams/keyset-id';
import { fakeContext } from '../helpers/fake-transport';

it('reads heartbeat keys: the keyset, and options another tab can use', () => {
  const fake = fakeContext({ heartbeat: () => NEVER, leave: () => NEVER });
  const running = fake.presence.heartbeat$({ channels: ['a'], heartbeat: 40, interval: 7, retryDelay: 2, leaveTimeout: 3 }).subscribe();
  const [key] = fake.context.loops.heartbeats.keys();

  const read = readLoopKey('heartbeats', key)!;
  expect(read.keysetId).toBe(keysetId(fake.keyset));
  expect(heartbeatOptions(read.shared)).toEqual({ heartbeat: 40, interval: 7, retryDelay: 2, leaveTimeout: 3 });
  // Nothing is lost in the split: the parts make the key again.
  expect(`${read.keysetId}|${read.shared}`).toBe(key);
  running.unsubscribe();
});

it('reads poll keys: union polls (channels from the claim) and exact ones (channels in the key)', () => {
  const fake = fakeContext({ hereNow: () => NEVER });
  const union = fake.presence.hereNow$({ channels: ['b', 'a'], interval: 5, stateInfo: StateInfo.all }).subscribe();
  const exact = fake.presence.hereNow$({ channels: ['b', 'a'], channelGroups: ['g'], interval: 4 }).subscribe();
  const [unionKey, exactKey] = fake.context.loops.polls.keys();

  const readUnion = readLoopKey('polls', unionKey)!;
  const readExact = readLoopKey('polls', exactKey)!;
  expect([readUnion.keysetId, readExact.keysetId]).toEqual([keysetId(fake.keyset), keysetId(fake.keyset)]);
  expect(pollOptions(readUnion.shared)).toEqual({ union: true, stateInfo: StateInfo.all, interval: 5 });
  expect(pollOptions(readExact.shared)).toEqual({ union: false, channels: ['a', 'b'], channelGroups: ['g'], stateInfo: StateInfo.onlyUUIDs, interval: 4 });
  expect(JSON.stringify([readExact.keysetId, ...(JSON.parse(readExact.shared) as unknown[])])).toBe(exactKey);
  union.unsubscribe();
  exact.unsubscribe();
});
