/**
 * Domain types: what users receive. Wire shapes live in `codecs/`; these are the camelCase,
 * validated results the operations and streams emit.
 */

/**
 * JSON a user may store as presence state: always an object at the top level (the service
 * rejects anything else), at most 32 KiB once encoded.
 *
 * @example
 * ```ts
 * import type { PresenceState } from 'rx-presence';
 *
 * const state: PresenceState = { mood: 'ok', typing: false };
 * // presence.setState(state, { channels: ['lobby'] })
 * ```
 */
export type PresenceState = { readonly [key: string]: unknown };

/**
 * One user present on a channel.
 *
 * @example
 * ```ts
 * const occupant: OccupantInfo = { uuid: 'alice', state: { mood: 'happy' } };
 * ```
 */
export interface OccupantInfo {
  /** The user's id. */
  readonly uuid: string;
  /** The user's state on this channel; absent when none is set or it was not requested. */
  readonly state?: unknown;
}

/**
 * Who is on one channel.
 *
 * @example
 * ```ts
 * const lobby: ChannelOccupancy = {
 *   channelName: 'lobby', count: 1, uuids: new Map([['alice', { uuid: 'alice' }]]),
 * };
 * ```
 */
export interface ChannelOccupancy {
  /** The channel's name. */
  readonly channelName: string;
  /** The full occupancy, even when `uuids` holds one page or nothing (occupancy only). */
  readonly count: number;
  /** Occupants by uuid; empty when occupancy only was requested. */
  readonly uuids: ReadonlyMap<string, OccupantInfo>;
}

/**
 * The answer of a here-now: every requested (or, globally, every occupied) channel.
 *
 * @example
 * ```ts
 * const result: HereNowResult = { totalChannels: 0, totalOccupancy: 0, channels: new Map() };
 * ```
 */
export interface HereNowResult {
  /** How many channels `channels` holds. */
  readonly totalChannels: number;
  /** The sum of the channels' `count`s: a user on two channels counts twice. */
  readonly totalOccupancy: number;
  /** Who is on each channel, by channel name. */
  readonly channels: ReadonlyMap<string, ChannelOccupancy>;
}

/**
 * The channels a user is present on.
 *
 * @example
 * ```ts
 * const where: WhereNowResult = { channels: ['lobby'] };
 * ```
 */
export interface WhereNowResult {
  /** The channel names; empty when the user is on none (offline). */
  readonly channels: readonly string[];
}

/**
 * A successful heartbeat; the service sends nothing actionable back.
 *
 * @example
 * ```ts
 * const ok: HeartbeatResult = { status: 200, message: 'OK' };
 * ```
 */
export interface HeartbeatResult {
  /** The status the body reported: 200. */
  readonly status: number;
  /** The service's word on it: `OK`. */
  readonly message: string;
}

/**
 * A successful leave.
 *
 * @example
 * ```ts
 * const left: LeaveResult = { action: 'leave' };
 * ```
 */
export interface LeaveResult {
  /** Always `leave`. */
  readonly action: 'leave';
}

/**
 * A successful set-state: the state as the service stored it.
 *
 * @example
 * ```ts
 * const set: SetUserStateResult = { state: { is_typing: true } };
 * ```
 */
export interface SetUserStateResult {
  /** The state the service echoed back. */
  readonly state: unknown;
}

/**
 * A user's state, by channel.
 *
 * @example
 * ```ts
 * const got: GetUserStateResult = {
 *   uuid: 'me',
 *   stateByChannel: new Map([['lobby', { mood: 'ok' }]]),
 *   stateByUUID: () => new Map([['me', { mood: 'ok' }]]),
 * };
 * ```
 */
export interface GetUserStateResult {
  /** The user the state belongs to. */
  readonly uuid: string;
  /** The user's state on each channel, by channel name. */
  readonly stateByChannel: ReadonlyMap<string, unknown>;
  /**
   * For parity with the documented Dart API: the state keyed by uuid. With one channel this is
   * that channel's state; with several, the per-channel map.
   */
  stateByUUID(): ReadonlyMap<string, unknown>;
}

/**
 * The channels of one channel group.
 *
 * @example
 * ```ts
 * const group: ChannelGroupChannels = { group: 'cg1', channels: ['a', 'b'] };
 * ```
 */
export interface ChannelGroupChannels {
  /** The group's name. */
  readonly group: string;
  /** The group's channels; empty for an unknown group. */
  readonly channels: readonly string[];
}

/**
 * The channel groups of a keyset.
 *
 * @example
 * ```ts
 * const groups: ChannelGroupList = { groups: ['cg1'] };
 * ```
 */
export interface ChannelGroupList {
  /** The group names. */
  readonly groups: readonly string[];
}

/**
 * A channel-group change that succeeded.
 *
 * @example
 * ```ts
 * const done: ChannelGroupChangeResult = { group: 'cg1' };
 * ```
 */
export interface ChannelGroupChangeResult {
  /** The group that was changed or deleted. */
  readonly group: string;
}

/**
 * Fields every {@link PresenceEvent} carries, whatever its `action`.
 *
 * @example
 * ```ts
 * import type { PresenceEventBase } from 'rx-presence';
 *
 * const where = (e: PresenceEventBase) => `${e.uuid} on ${e.channel} (${e.occupancy} here)`;
 * console.log(where({ channel: 'lobby', uuid: 'alice', occupancy: 2, timestamp: 0 }));
 * // Output: alice on lobby (2 here)
 * ```
 */
export interface PresenceEventBase {
  /** The channel the change happened on (without the `-pnpres` suffix). */
  readonly channel: string;
  /** The user who joined, left, timed out or changed state. */
  readonly uuid: string;
  /** The channel's occupancy after this change. */
  readonly occupancy: number;
  /** When the change happened (Unix milliseconds): the service's time, or the poll's when polling. */
  readonly timestamp: number;
  /**
   * The service's timetoken of the event (17 digits), from the subscribe stream; absent for
   * events derived from here-now snapshots.
   */
  readonly timetoken?: string;
}

/**
 * A presence change, discriminated on `action` like the service's own `-pnpres` events.
 * `timeout` (a user who stopped heartbeating) only comes from the subscribe stream: polling sees
 * a timeout as a `leave`. `state-invalid` is ours: a state that failed the user's `stateCodec`,
 * with readable issues.
 *
 * @example
 * ```ts
 * const describe = (e: PresenceEvent) =>
 *   e.action === 'state-invalid' ? `${e.uuid}: ${e.issues.join('; ')}` : `${e.uuid} ${e.action} ${e.channel}`;
 * ```
 */
export type PresenceEvent<S = unknown> =
  | (PresenceEventBase & {
      /** The user arrived. */
      readonly action: 'join';
      /** The user's state, when known (state was requested or sent with the event). */
      readonly state?: S;
    })
  | (PresenceEventBase & {
      /** The user left (said so, or, when polling, stopped being listed). */
      readonly action: 'leave';
      /** The user's last known state, when there is one. */
      readonly state?: S;
    })
  | (PresenceEventBase & {
      /** The user stopped heartbeating and the service dropped them. */
      readonly action: 'timeout';
      /** The user's last known state, when there is one. */
      readonly state?: S;
    })
  | (PresenceEventBase & {
      /** The user's state changed. */
      readonly action: 'state-change';
      /** The new state; absent when the user no longer has one. */
      readonly state?: S;
    })
  | (PresenceEventBase & {
      /** The user's state failed the `stateCodec` given to the stream. */
      readonly action: 'state-invalid';
      /** The state as received, undecoded. */
      readonly state: unknown;
      /** Why it failed, one readable line per problem. */
      readonly issues: readonly string[];
    });

/**
 * The `action` values of {@link PresenceEvent}.
 *
 * @example
 * ```ts
 * import type { PresenceAction } from 'rx-presence';
 *
 * const arrivals: ReadonlySet<PresenceAction> = new Set<PresenceAction>(['join']);
 * console.log(arrivals.has('join'), arrivals.has('timeout'));
 * // Output: true false
 * ```
 */
export type PresenceAction = PresenceEvent['action'];
