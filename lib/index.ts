/**
 * rx-presence: PubNub-style Presence as RxJS streams.
 *
 * @packageDocumentation
 */
export { Presence, type ChannelGroups } from './presence';
export { presenceContext, DEFAULT_ORIGIN, type PresenceOptions, type PresenceContext } from './presence-context';
export { VERSION } from './version';
export { Keyset, KeysetStore, UserId, type KeysetInit, type KeysetChoice } from './keyset';
export {
  PresenceError,
  isPresenceError,
  isRetryable,
  categoryOfStatus,
  type PresenceErrorCategory,
  type PresenceErrorDetails,
  type PresenceOperation,
  type DecodeIssue,
} from './errors';
export type {
  OccupantInfo,
  ChannelOccupancy,
  HereNowResult,
  WhereNowResult,
  HeartbeatResult,
  LeaveResult,
  SetUserStateResult,
  GetUserStateResult,
  ChannelGroupChannels,
  ChannelGroupList,
  ChannelGroupChangeResult,
  PresenceEvent,
  PresenceEventBase,
  PresenceAction,
  PresenceState,
} from './types';
export { hereNow, StateInfo, MAX_PAGED_OCCUPANTS, type HereNowOptions } from './operations/here-now';
export type { WhereNowOptions } from './operations/where-now';
export type { OperationContext } from './operations/context';
export type { AnnounceHeartbeatOptions } from './operations/heartbeat';
export type { AnnounceLeaveOptions } from './operations/leave';
export type { SetStateOptions, GetStateOptions } from './operations/state';
export type { HeartbeatEvent, HeartbeatEventBase } from './streams/heartbeat-events';
export { heartbeat$, MIN_HEARTBEAT_INTERVAL, type HeartbeatStreamOptions } from './streams/heartbeat-stream';
export { events$, MIN_IDLE_POLL_GAP_MS, type EventsOptions } from './streams/events-stream';
export { MIN_POLL_INTERVAL, type HereNowStreamOptions } from './streams/here-now-stream';
export { presenceEvents$, suppressFlaps, decodeStates, type PresenceEventsOptions, type SubscribeSource } from './streams/presence-events-stream';
export { diffOccupancy, diffOccupants, EMPTY_HERE_NOW, type DiffOccupancyOptions } from './streams/diff-occupancy';
export { jsonEqual } from './streams/json-equal';
export { endHeartbeats } from './streams/end-heartbeats';
export { status$ } from './streams/status-stream';
export type { StreamStatus, StreamState, StreamKind } from './streams/status-board';
export { roster$, type Roster, type RosterChannel, type RosterMember, type RosterUser, type RosterOptions } from './streams/roster-stream';
export { occupancy, members, isPresent, stateOf } from './streams/roster-selectors';
export { byUser, type UserOf, type UserPresenceEvent } from './streams/by-user';
export { toIssues, formatIssues } from './codecs/report';
export { decodeWith } from './operations/decode-with';
export * as codecs from './codecs/bodies';
export { createFetchTransport, DEFAULT_MAX_RESPONSE_BYTES, type FetchLike, type FetchTransportOptions } from './transport/fetch-transport';
export type { ResponseBodyStream } from './transport/read-body';
export { RETRY_DEFAULTS, type RetryOptions } from './retry-policy';
export type { Transport, PresenceRequest, RequestKeys } from './transport/types';
export { encodeString, type Query } from './protocol/encoding';
export { signV2 } from './transport/signature';
export type { SignatureInput } from './protocol/signing';
export { HEARTBEAT_RANGE } from './validate';
export {
  MAX_NAME_LENGTH,
  MAX_USER_ID_LENGTH,
  MAX_STATE_BYTES,
  MAX_CHANNELS_PER_REQUEST,
  MAX_REQUEST_URI_BYTES,
  DEFAULT_PRESENCE_TIMEOUT,
  HERE_NOW_PAGE_LIMIT,
} from './protocol/limits';
