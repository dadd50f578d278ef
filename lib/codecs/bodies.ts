/**
 * io-ts codecs for every response body the protocol defines (`../shared/protocol.md`). Each codec
 * and its type share a name; wire codecs end in `Body`. Only the fields we use are required, so a
 * service that adds fields keeps working.
 */
import * as t from 'io-ts';

/** Any JSON object (state is always one). */
export const JsonObject = t.UnknownRecord;

/** An occupant as here-now lists it: a bare uuid, or `{uuid, state?}` with `state=1`. */
export const OccupantEntry = t.union([t.string, t.intersection([t.type({ uuid: t.string }), t.partial({ state: t.unknown })])], 'OccupantEntry');
export type OccupantEntry = t.TypeOf<typeof OccupantEntry>;

/** Here-now for exactly one channel and no groups: the flat shape. */
export const HereNowSingleBody = t.intersection(
  [t.type({ status: t.number, occupancy: t.number }), t.partial({ uuids: t.array(OccupantEntry) })],
  'HereNowSingleBody',
);
export type HereNowSingleBody = t.TypeOf<typeof HereNowSingleBody>;

/** One channel inside the `payload` shape. */
export const HereNowChannelEntry = t.intersection(
  [t.type({ occupancy: t.number }), t.partial({ uuids: t.array(OccupantEntry) })],
  'HereNowChannelEntry',
);

/** Here-now for several channels, any group, or global: the `payload` shape. */
export const HereNowMultiBody = t.type(
  {
    status: t.number,
    payload: t.type({
      channels: t.record(t.string, HereNowChannelEntry),
      total_channels: t.number,
      total_occupancy: t.number,
    }),
  },
  'HereNowMultiBody',
);
export type HereNowMultiBody = t.TypeOf<typeof HereNowMultiBody>;

/** Where-now; an offline user has `channels: []` (some services send `null`). */
export const WhereNowBody = t.type(
  { status: t.number, payload: t.type({ channels: t.union([t.array(t.string), t.null]) }) },
  'WhereNowBody',
);
export type WhereNowBody = t.TypeOf<typeof WhereNowBody>;

/** Heartbeat: nothing actionable. */
export const HeartbeatBody = t.type({ status: t.number, message: t.string }, 'HeartbeatBody');
export type HeartbeatBody = t.TypeOf<typeof HeartbeatBody>;

/** Leave; `action` is `leave` when present. */
export const LeaveBody = t.intersection([t.type({ status: t.number }), t.partial({ action: t.literal('leave') })], 'LeaveBody');
export type LeaveBody = t.TypeOf<typeof LeaveBody>;

/** Set-state echoes the state once, even for several channels. */
export const SetStateBody = t.type({ status: t.number, payload: t.unknown }, 'SetStateBody');
export type SetStateBody = t.TypeOf<typeof SetStateBody>;

/** Get-state for one channel: the state is the payload. */
export const GetStateSingleBody = t.intersection(
  [t.type({ status: t.number, payload: JsonObject }), t.partial({ uuid: t.string, channel: t.string })],
  'GetStateSingleBody',
);
export type GetStateSingleBody = t.TypeOf<typeof GetStateSingleBody>;

/** Get-state for several channels, as the service answers: `payload.channels`. */
export const GetStateMultiBody = t.intersection(
  [t.type({ status: t.number, payload: t.type({ channels: t.record(t.string, t.unknown) }) }), t.partial({ uuid: t.string })],
  'GetStateMultiBody',
);
export type GetStateMultiBody = t.TypeOf<typeof GetStateMultiBody>;

/** A channel-group change (add, remove, delete). */
export const ChannelGroupChangeBody = t.type({ status: t.number }, 'ChannelGroupChangeBody');

/** The channels of one group. */
export const ChannelGroupChannelsBody = t.type(
  { status: t.number, payload: t.intersection([t.type({ channels: t.array(t.string) }), t.partial({ group: t.string })]) },
  'ChannelGroupChannelsBody',
);
export type ChannelGroupChannelsBody = t.TypeOf<typeof ChannelGroupChannelsBody>;

/** The groups of a keyset. */
export const ChannelGroupListBody = t.type({ status: t.number, payload: t.type({ groups: t.array(t.string) }) }, 'ChannelGroupListBody');
export type ChannelGroupListBody = t.TypeOf<typeof ChannelGroupListBody>;

/** What an error body may carry; every field optional because services vary. */
export const ErrorBody = t.partial({ status: t.number, message: t.string, error_message: t.string, service: t.string }, 'ErrorBody');
export type ErrorBody = t.TypeOf<typeof ErrorBody>;
