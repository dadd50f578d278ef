/**
 * io-ts codecs for every response body the protocol defines (`../shared/protocol.md`). Each codec
 * and its type share a name; wire codecs end in `Body`. Only the fields we use are required, so a
 * service that adds fields keeps working. (Long for its documentation: every codec is a public
 * export with a runnable example; the code is under a hundred lines.)
 *
 * Field comments sit inside the `t.type` / `t.partial` literals because io-ts's mapped types carry
 * them through to `t.TypeOf`, so the codec and its type are documented in one place.
 */
import * as t from 'io-ts';

/** The field every body carries. */
const status = {
  /** The HTTP status the body reports (200 on success). */
  status: t.number,
};

/**
 * A body codec: `status` and the `required` fields, plus the `optional` ones. Called with
 * `@__PURE__` so that a bundler drops the codecs a page never uses (io-ts builds them at load).
 */
function body<R extends t.Props>(name: string, required: R): t.TypeC<typeof status & R>;
function body<R extends t.Props, O extends t.Props>(name: string, required: R, optional: O): t.IntersectionC<[t.TypeC<typeof status & R>, t.PartialC<O>]>;
function body(name: string, required: t.Props, optional?: t.Props): t.Mixed {
  const props = { ...status, ...required };
  return optional === undefined ? t.type(props, name) : t.intersection([t.type(props), t.partial(optional)], name);
}

/**
 * Any JSON object (state is always one).
 *
 * @example
 * ```ts
 * import { codecs } from 'rx-presence';
 *
 * console.log(codecs.JsonObject.is({ mood: 'ok' }), codecs.JsonObject.is([1]));
 * // Output: true false
 * ```
 */
export const JsonObject = t.UnknownRecord;

/**
 * An occupant as here-now lists it: a bare uuid, or `{uuid, state?}` with `state=1`.
 *
 * @example
 * ```ts
 * import { codecs } from 'rx-presence';
 *
 * console.log(codecs.OccupantEntry.is('alice'), codecs.OccupantEntry.is({ uuid: 'bob', state: { mood: 'ok' } }));
 * // Output: true true
 * ```
 */
export const OccupantEntry = /* @__PURE__ */ t.union(
  [
    t.string,
    /* @__PURE__ */ t.intersection([
      /* @__PURE__ */ t.type({
        /** The occupant's user id. */
        uuid: t.string,
      }),
      /* @__PURE__ */ t.partial({
        /** The occupant's state on this channel; sent only when the request asked for state. */
        state: t.unknown,
      }),
    ]),
  ],
  'OccupantEntry',
);
export type OccupantEntry = t.TypeOf<typeof OccupantEntry>;

/**
 * Here-now for exactly one channel and no groups: the flat shape.
 *
 * @example
 * ```ts
 * import { isRight } from 'fp-ts/Either';
 * import { codecs } from 'rx-presence';
 *
 * const body = { status: 200, message: 'OK', service: 'Presence', occupancy: 1, uuids: ['alice'] };
 * console.log(isRight(codecs.HereNowSingleBody.decode(body)));
 * // Output: true
 * ```
 */
export const HereNowSingleBody = /* @__PURE__ */ body(
  'HereNowSingleBody',
  {
    /** How many users are on the channel, even when `uuids` is a page or absent. */
    occupancy: t.number,
  },
  {
    /** The occupants (one page of at most `limit`); absent with `disable_uuids=1`. */
    uuids: /* @__PURE__ */ t.array(OccupantEntry),
  },
);
export type HereNowSingleBody = t.TypeOf<typeof HereNowSingleBody>;

/**
 * One channel inside the `payload` shape.
 *
 * @example
 * ```ts
 * import { codecs } from 'rx-presence';
 *
 * console.log(codecs.HereNowChannelEntry.is({ occupancy: 2, uuids: ['alice', 'bob'] }));
 * // Output: true
 * ```
 */
export const HereNowChannelEntry = /* @__PURE__ */ t.intersection(
  [
    /* @__PURE__ */ t.type({
      /** How many users are on the channel, even when `uuids` is a page or absent. */
      occupancy: t.number,
    }),
    /* @__PURE__ */ t.partial({
      /** The channel's occupants (one page of at most `limit`); absent with `disable_uuids=1`. */
      uuids: /* @__PURE__ */ t.array(OccupantEntry),
    }),
  ],
  'HereNowChannelEntry',
);

/**
 * Here-now for several channels, any group, or global: the `payload` shape.
 *
 * @example
 * ```ts
 * import { isRight } from 'fp-ts/Either';
 * import { codecs } from 'rx-presence';
 *
 * const body = {
 *   status: 200,
 *   payload: { channels: { a: { occupancy: 1, uuids: ['alice'] } }, total_channels: 1, total_occupancy: 1 },
 * };
 * console.log(isRight(codecs.HereNowMultiBody.decode(body)));
 * // Output: true
 * ```
 */
export const HereNowMultiBody = /* @__PURE__ */ body('HereNowMultiBody', {
  /** The answer proper. */
  payload: /* @__PURE__ */ t.type({
    /** Each occupied (or requested) channel by name; empty channels may be left out. */
    channels: /* @__PURE__ */ t.record(t.string, HereNowChannelEntry),
    /** How many channels `channels` holds. */
    total_channels: t.number,
    /** The sum of the channels' occupancies. */
    total_occupancy: t.number,
  }),
});
export type HereNowMultiBody = t.TypeOf<typeof HereNowMultiBody>;

/**
 * Where-now; an offline user has `channels: []` (some services send `null`).
 *
 * @example
 * ```ts
 * import { codecs } from 'rx-presence';
 *
 * console.log(codecs.WhereNowBody.is({ status: 200, payload: { channels: null } }));
 * // Output: true
 * ```
 */
export const WhereNowBody = /* @__PURE__ */ body('WhereNowBody', {
  /** The answer proper. */
  payload: /* @__PURE__ */ t.type({
    /** The channels the user is present on; `null` from some services for none. */
    channels: /* @__PURE__ */ t.union([/* @__PURE__ */ t.array(t.string), t.null]),
  }),
});
export type WhereNowBody = t.TypeOf<typeof WhereNowBody>;

/**
 * Heartbeat: nothing actionable.
 *
 * @example
 * ```ts
 * import { codecs } from 'rx-presence';
 *
 * console.log(codecs.HeartbeatBody.is({ status: 200, message: 'OK', service: 'Presence' }));
 * // Output: true
 * ```
 */
export const HeartbeatBody = /* @__PURE__ */ body('HeartbeatBody', {
  /** The service's word on it, `OK` on success. */
  message: t.string,
});
export type HeartbeatBody = t.TypeOf<typeof HeartbeatBody>;

/**
 * Leave; `action` is `leave` when present.
 *
 * @example
 * ```ts
 * import { codecs } from 'rx-presence';
 *
 * console.log(codecs.LeaveBody.is({ status: 200, action: 'leave', message: 'OK' }));
 * // Output: true
 * ```
 */
export const LeaveBody = /* @__PURE__ */ body(
  'LeaveBody',
  {},
  {
    /** Always `leave`; some services leave it out. */
    action: /* @__PURE__ */ t.literal('leave'),
  },
);
export type LeaveBody = t.TypeOf<typeof LeaveBody>;

/**
 * Set-state echoes the state once, even for several channels.
 *
 * @example
 * ```ts
 * import { codecs } from 'rx-presence';
 *
 * console.log(codecs.SetStateBody.is({ status: 200, payload: { is_typing: true } }));
 * // Output: true
 * ```
 */
export const SetStateBody = /* @__PURE__ */ body('SetStateBody', {
  /** The state as the service stored it. */
  payload: t.unknown,
});
export type SetStateBody = t.TypeOf<typeof SetStateBody>;

/**
 * Get-state for one channel: the state is the payload.
 *
 * @example
 * ```ts
 * import { codecs } from 'rx-presence';
 *
 * console.log(codecs.GetStateSingleBody.is({ status: 200, payload: { mood: 'ok' }, uuid: 'alice', channel: 'lobby' }));
 * // Output: true
 * ```
 */
export const GetStateSingleBody = /* @__PURE__ */ body(
  'GetStateSingleBody',
  {
    /** The user's state on the channel (`{}` when none is set). */
    payload: JsonObject,
  },
  {
    /** The user whose state this is. */
    uuid: t.string,
    /** The channel the state is on. */
    channel: t.string,
  },
);
export type GetStateSingleBody = t.TypeOf<typeof GetStateSingleBody>;

/**
 * Get-state for several channels, as the service answers: `payload.channels`.
 *
 * @example
 * ```ts
 * import { codecs } from 'rx-presence';
 *
 * console.log(codecs.GetStateMultiBody.is({ status: 200, payload: { channels: { a: { mood: 'ok' }, b: {} } }, uuid: 'alice' }));
 * // Output: true
 * ```
 */
export const GetStateMultiBody = /* @__PURE__ */ body(
  'GetStateMultiBody',
  {
    /** The answer proper. */
    payload: /* @__PURE__ */ t.type({
      /** The user's state by channel name. */
      channels: /* @__PURE__ */ t.record(t.string, t.unknown),
    }),
  },
  {
    /** The user whose state this is. */
    uuid: t.string,
  },
);
export type GetStateMultiBody = t.TypeOf<typeof GetStateMultiBody>;

/**
 * A channel-group change (add, remove, delete).
 *
 * @example
 * ```ts
 * import { codecs } from 'rx-presence';
 *
 * console.log(codecs.ChannelGroupChangeBody.is({ status: 200, message: 'OK', service: 'channel-registry', error: false }));
 * // Output: true
 * ```
 */
export const ChannelGroupChangeBody = /* @__PURE__ */ body('ChannelGroupChangeBody', {});

/**
 * The channels of one group.
 *
 * @example
 * ```ts
 * import { codecs } from 'rx-presence';
 *
 * console.log(codecs.ChannelGroupChannelsBody.is({ status: 200, payload: { channels: ['a', 'b'], group: 'cg1' } }));
 * // Output: true
 * ```
 */
export const ChannelGroupChannelsBody = /* @__PURE__ */ body('ChannelGroupChannelsBody', {
  /** The answer proper. */
  payload: /* @__PURE__ */ t.intersection([
    /* @__PURE__ */ t.type({
      /** The group's channels; empty for an unknown group. */
      channels: /* @__PURE__ */ t.array(t.string),
    }),
    /* @__PURE__ */ t.partial({
      /** The group's name, echoed. */
      group: t.string,
    }),
  ]),
});
export type ChannelGroupChannelsBody = t.TypeOf<typeof ChannelGroupChannelsBody>;

/**
 * The groups of a keyset.
 *
 * @example
 * ```ts
 * import { codecs } from 'rx-presence';
 *
 * console.log(codecs.ChannelGroupListBody.is({ status: 200, payload: { groups: ['cg1'] } }));
 * // Output: true
 * ```
 */
export const ChannelGroupListBody = /* @__PURE__ */ body('ChannelGroupListBody', {
  /** The answer proper. */
  payload: /* @__PURE__ */ t.type({
    /** The keyset's channel-group names. */
    groups: /* @__PURE__ */ t.array(t.string),
  }),
});
export type ChannelGroupListBody = t.TypeOf<typeof ChannelGroupListBody>;

/**
 * What an error body may carry; every field optional because services vary.
 *
 * @example
 * ```ts
 * import { codecs } from 'rx-presence';
 *
 * console.log(codecs.ErrorBody.is({ status: 403, message: 'Forbidden', service: 'Access Manager', error: true }));
 * // Output: true
 * ```
 */
export const ErrorBody = /* @__PURE__ */ t.partial(
  {
    /** The HTTP status the body reports; it can say more than the response's own (a "false 200"). */
    status: t.number,
    /** The service's explanation, from most services. */
    message: t.string,
    /** The explanation, as some services name it instead. */
    error_message: t.string,
    /** Which service answered, e.g. `Presence` or `Access Manager`. */
    service: t.string,
  },
  'ErrorBody',
);
export type ErrorBody = t.TypeOf<typeof ErrorBody>;
