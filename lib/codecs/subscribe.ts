/**
 * io-ts codecs for the subscribe long-poll and the presence events it carries on
 * `<channel>-pnpres` (`../shared/protocol.md` §10).
 */
import * as t from 'io-ts';

/** A timetoken and its region. */
const TimetokenBody = t.type({ t: t.string, r: t.number }, 'TimetokenBody');
type TimetokenBody = t.TypeOf<typeof TimetokenBody>;

/** One message of the envelope: `c` the actual channel, `b` the subscription match, `d` the payload. */
export const SubscribeMessage = t.intersection(
  [t.type({ c: t.string, d: t.unknown, p: TimetokenBody }), t.partial({ b: t.string, k: t.string, a: t.string, f: t.number, e: t.number, i: t.string })],
  'SubscribeMessage',
);
export type SubscribeMessage = t.TypeOf<typeof SubscribeMessage>;

/** The subscribe envelope. */
export const SubscribeBody = t.type({ t: TimetokenBody, m: t.array(SubscribeMessage) }, 'SubscribeBody');
export type SubscribeBody = t.TypeOf<typeof SubscribeBody>;

/** Seconds as a number, or (as some services send it) a numeric string. */
const Timestamp = t.union([t.number, t.string]);

/** join, leave, timeout and state-change: one uuid, the occupancy after it, `data` = state. */
const UserPresencePayload = t.intersection(
  [
    t.type({ action: t.keyof({ join: null, leave: null, timeout: null, 'state-change': null }), uuid: t.string, occupancy: t.number, timestamp: Timestamp }),
    t.partial({ data: t.unknown }),
  ],
  'UserPresencePayload',
);
type UserPresencePayload = t.TypeOf<typeof UserPresencePayload>;

/** interval: the occupancy, and either deltas or `here_now_refresh`. */
const IntervalPayload = t.intersection(
  [
    t.type({ action: t.literal('interval'), occupancy: t.number, timestamp: Timestamp }),
    t.partial({ join: t.array(t.string), leave: t.array(t.string), timeout: t.array(t.string), here_now_refresh: t.boolean }),
  ],
  'IntervalPayload',
);
type IntervalPayload = t.TypeOf<typeof IntervalPayload>;

/** Any presence payload. */
export const PresencePayload = t.union([UserPresencePayload, IntervalPayload], 'PresencePayload');
export type PresencePayload = t.TypeOf<typeof PresencePayload>;
