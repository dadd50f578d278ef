/**
 * Domain types: what users receive. Wire shapes live in `codecs/`; these are the camelCase,
 * validated results the operations and streams emit.
 */

/** JSON a user may store as presence state: always an object at the top level. */
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
  readonly totalChannels: number;
  readonly totalOccupancy: number;
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
  readonly status: number;
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
  readonly group: string;
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
  readonly group: string;
}

/** Fields every presence event carries. */
interface PresenceEventBase {
  readonly channel: string;
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
  | (PresenceEventBase & { readonly action: 'join'; readonly state?: S })
  | (PresenceEventBase & { readonly action: 'leave'; readonly state?: S })
  | (PresenceEventBase & { readonly action: 'timeout'; readonly state?: S })
  | (PresenceEventBase & { readonly action: 'state-change'; readonly state?: S })
  | (PresenceEventBase & { readonly action: 'state-invalid'; readonly state: unknown; readonly issues: readonly string[] });

/** The `action` values of {@link PresenceEvent}. */
export type PresenceAction = PresenceEvent['action'];
