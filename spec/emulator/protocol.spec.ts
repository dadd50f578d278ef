/**
 * The protocol's two readers agree: every path the client builds (lib/protocol/paths) is routed by
 * the emulator (its router) to the endpoint it was built for, with the same names back, whatever
 * characters they hold; and a list of names reads back as it was written.
 */
import fc from 'fast-check';
import { matchRoute } from '../../lib/emulator/pipeline/router';
import { encodeNames, splitNames } from '../../lib/protocol/encoding';
import { paths } from '../../lib/protocol/paths';
import { channelOfPresence, isPresenceChannel, presenceChannelOf } from '../../lib/protocol/presence-channels';

// Whole code points only: a lone surrogate cannot be percent-encoded at all (the client refuses it).
const name = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 });
const names = fc.array(name, { maxLength: 4 });

it('every path the client builds routes to its endpoint, names intact', () => {
  fc.assert(
    fc.property(name, names, name, name, (key, channels, uuid, group) => {
      expect(matchRoute(paths.heartbeat(key, channels))).toEqual({ operation: 'heartbeat', subscribeKey: key, channels });
      expect(matchRoute(paths.leave(key, channels))).toEqual({ operation: 'leave', subscribeKey: key, channels });
      expect(matchRoute(paths.hereNow(key, channels))).toEqual({ operation: 'hereNow', subscribeKey: key, channels });
      expect(matchRoute(paths.globalHereNow(key))).toEqual({ operation: 'globalHereNow', subscribeKey: key });
      expect(matchRoute(paths.whereNow(key, uuid))).toEqual({ operation: 'whereNow', subscribeKey: key, uuid });
      expect(matchRoute(paths.setState(key, channels, uuid))).toEqual({ operation: 'setState', subscribeKey: key, channels, uuid });
      expect(matchRoute(paths.getState(key, channels, uuid))).toEqual({ operation: 'getState', subscribeKey: key, channels, uuid });
      expect(matchRoute(paths.channelGroup(key, group))).toEqual({ operation: 'channelGroup', subscribeKey: key, action: 'group', group });
      expect(matchRoute(paths.deleteChannelGroup(key, group))).toEqual({ operation: 'channelGroup', subscribeKey: key, action: 'delete', group });
      expect(matchRoute(paths.listChannelGroups(key))).toEqual({ operation: 'channelGroup', subscribeKey: key, action: 'list-groups', group: '' });
      expect(matchRoute(paths.subscribe(key, channels))).toEqual({ operation: 'subscribe', subscribeKey: key, channels });
    }),
    { numRuns: 300 },
  );
});

it('a list of names reads back as written; the empty list is a lone comma', () => {
  expect(encodeNames([])).toBe(',');
  fc.assert(
    fc.property(fc.array(fc.stringMatching(/^[a-z0-9_.-]{1,8}$/), { maxLength: 5 }), (list) => {
      expect(splitNames(encodeNames(list))).toEqual(list);
    }),
  );
});

it('a presence channel is its channel with the suffix, and back', () => {
  fc.assert(
    fc.property(name, (channel) => {
      const presence = presenceChannelOf(channel);
      expect(isPresenceChannel(presence)).toBe(true);
      expect(channelOfPresence(presence)).toBe(channel);
    }),
  );
  expect(isPresenceChannel('lobby')).toBe(false);
});
