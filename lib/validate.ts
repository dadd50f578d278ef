/**
 * Argument checks that run before any request, so that a mistake is a clear `validation` error
 * at subscribe time rather than a confusing answer from the service.
 */
import { validationError, type PresenceOperation } from './errors';
import { MAX_NAME_LENGTH, MAX_PRESENCE_TIMEOUT_SECONDS, MAX_STATE_BYTES, MAX_USER_ID_LENGTH } from './protocol/limits';
import { PRESENCE_SUFFIX } from './protocol/presence-channels';

/**
 * The presence timeout range the service accepts, in seconds.
 *
 * @example
 * ```ts
 * import { HEARTBEAT_RANGE } from 'rx-presence';
 *
 * console.log(`heartbeat: ${HEARTBEAT_RANGE.min} to ${HEARTBEAT_RANGE.max} s`);
 * // Output: heartbeat: 1 to 320 s
 * ```
 */
export const HEARTBEAT_RANGE = {
  /** The shortest presence timeout, in seconds. */
  min: 1,
  /** The longest presence timeout, in seconds; PubNub caps `presenceTimeout` here. */
  max: MAX_PRESENCE_TIMEOUT_SECONDS,
} as const;

type NameKind = 'channel' | 'channel group';

/** Half of a UTF-16 pair without its other half: not encodable in a URL. */
export const LONE_SURROGATE = /\p{Cs}/u;

/** Checks and de-duplicates a list of channel or group names (order kept). */
export function names(operation: PresenceOperation, kind: NameKind, value: Iterable<string> | undefined): string[] {
  if (value === undefined || value === null) return [];
  const field = kind === 'channel' ? 'channels' : 'channelGroups';
  // A string is iterable too: `channels: 'lobby'` would silently become five one-letter channels.
  if (typeof value === 'string' || typeof (value as Iterable<string>)[Symbol.iterator] !== 'function') {
    throw validationError(operation, `${field} must be an array or set of names, got ${typeof value === 'string' ? 'a string' : typeof value}`);
  }
  const seen = new Set<string>();
  for (const name of value) {
    checkName(operation, kind, name);
    seen.add(name);
  }
  return [...seen];
}

/** Checks one channel or group name. */
export function checkName(operation: PresenceOperation, kind: NameKind, name: unknown): asserts name is string {
  if (typeof name !== 'string') throw validationError(operation, `a ${kind} name must be a string, got ${typeof name}`);
  if (name.length === 0) throw validationError(operation, `a ${kind} name must not be empty`);
  if (name.includes(',')) throw validationError(operation, `${kind} name "${name}" contains ",", which the protocol uses as a list separator`);
  if (name.length > MAX_NAME_LENGTH) throw validationError(operation, `${kind} name is ${name.length} characters long; the limit is ${MAX_NAME_LENGTH}`);
  if (LONE_SURROGATE.test(name)) throw validationError(operation, `${kind} name contains a lone surrogate (not valid Unicode), which cannot be sent`);
  // The service reserves the suffix for presence event channels and drops such names silently.
  if (name.endsWith(PRESENCE_SUFFIX)) throw validationError(operation, `${kind} name "${name}" ends in "${PRESENCE_SUFFIX}", which is reserved for presence events`);
}

/** Channels and groups of a call. */
export interface Targets {
  readonly channels: string[];
  readonly channelGroups: string[];
}

/** Reads `channels` / `channelGroups`; `required` demands at least one of them. */
export function targets(
  operation: PresenceOperation,
  options: { channels?: Iterable<string>; channelGroups?: Iterable<string> },
  required: boolean,
): Targets {
  const result = {
    channels: names(operation, 'channel', options.channels),
    channelGroups: names(operation, 'channel group', options.channelGroups),
  };
  if (required && result.channels.length === 0 && result.channelGroups.length === 0) {
    throw validationError(operation, 'give at least one channel or channel group');
  }
  return result;
}

/** Checks a user id given per call (where-now, get-state of another user). */
export function userId(operation: PresenceOperation, uuid: unknown): string {
  if (typeof uuid !== 'string' || uuid.length === 0 || uuid.length > MAX_USER_ID_LENGTH || LONE_SURROGATE.test(uuid)) {
    const got = typeof uuid === 'string' ? `${uuid.length} characters` : typeof uuid;
    throw validationError(operation, `a user id must be a string of 1 to ${MAX_USER_ID_LENGTH} characters of valid Unicode, got ${got}`);
  }
  return uuid;
}

/** Checks a presence timeout in seconds. */
export function heartbeatSeconds(operation: PresenceOperation, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < HEARTBEAT_RANGE.min || value > HEARTBEAT_RANGE.max) {
    throw validationError(operation, `heartbeat must be an integer from ${HEARTBEAT_RANGE.min} to ${HEARTBEAT_RANGE.max} seconds, got ${String(value)}`);
  }
  return value;
}

/** Checks a duration in seconds: a finite number from `min` to `max`. */
export function secondsIn(operation: PresenceOperation, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw validationError(operation, `${field} must be a number of seconds from ${min} to ${max}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
  }
  return value;
}

/** Checks a whole number in a range (limits, offsets, intervals). */
export function integerIn(operation: PresenceOperation, field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw validationError(operation, `${field} must be an integer ${range}, got ${String(value)}`);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Checks a state object and returns its JSON: a plain object, serialisable, at most 32 KiB. */
export function stateJson(operation: PresenceOperation, state: unknown, label = 'state'): string {
  if (!isPlainObject(state)) {
    const got = state === null ? 'null' : Array.isArray(state) ? 'an array' : typeof state;
    throw validationError(operation, `${label} must be a JSON object, got ${got}`);
  }
  let json: string;
  try {
    json = JSON.stringify(state);
  } catch (error) {
    throw validationError(operation, `${label} is not serialisable as JSON (${(error as Error).message})`);
  }
  const bytes = new TextEncoder().encode(json).length;
  if (bytes > MAX_STATE_BYTES) throw validationError(operation, `${label} is ${bytes} bytes as JSON; the limit is ${MAX_STATE_BYTES}`);
  return json;
}

/**
 * Checks per-channel state for a heartbeat (`{ channel: {…} }`, the map the service keeps) and
 * returns its JSON. Every key must be one of the call's channels or groups.
 */
export function perChannelStateJson(operation: PresenceOperation, state: unknown, target: Targets): string {
  const json = stateJson(operation, state);
  const allowed = new Set([...target.channels, ...target.channelGroups]);
  for (const [key, value] of Object.entries(state as Record<string, unknown>)) {
    if (!allowed.has(key)) throw validationError(operation, `state is keyed by channel, but "${key}" is not one of this call's channels or groups`);
    if (!isPlainObject(value)) throw validationError(operation, `state for "${key}" must be a JSON object`);
  }
  return json;
}
