/**
 * Splitting a merged request into requests the service accepts. The shared loops carry the union
 * of many subscriptions' channels; each subscription is valid alone, so their union must never
 * turn into a request the service refuses (too many channels, a URI too long, a state too big).
 */
import { encodeString } from '../protocol/encoding';
import type { PresenceState } from '../types';
import { MAX_CHANNELS_PER_REQUEST, MAX_REQUEST_URI_BYTES, MAX_STATE_BYTES } from '../protocol/limits';

/** The limits one request must stay within. */
interface RequestLimits {
  /** Channels plus groups. */
  readonly names: number;
  /** Bytes of the URI left for names and state, after the fixed parts and the credentials. */
  readonly uriBytes: number;
  /** Bytes of the `state` JSON. */
  readonly stateBytes: number;
}

/**
 * Room kept in the URI for what the batch does not decide: path prefix, subscribe key, `uuid`
 * (up to 828 bytes encoded), `pnsdk`, `heartbeat`, `auth` (Access Manager tokens run to a few
 * hundred bytes), `timestamp`, `requestid` and `signature`.
 */
const URI_HEADROOM = 4 * 1024;

/**
 * The service's limits, as {@link requestBatches} applies them by default.
 *
 * @example
 * ```ts
 * requestBatches(channels, groups, state, { ...SERVICE_LIMITS, names: 100 });
 * ```
 */
const SERVICE_LIMITS: RequestLimits = {
  names: MAX_CHANNELS_PER_REQUEST,
  uriBytes: MAX_REQUEST_URI_BYTES - URI_HEADROOM,
  stateBytes: MAX_STATE_BYTES,
};

/** One request's share of the union. */
export interface RequestBatch {
  readonly channels: string[];
  readonly channelGroups: string[];
  /** State for the batch's own channels and groups, when any of them has one. */
  readonly state?: Record<string, PresenceState>;
}

const utf8 = new TextEncoder();

/**
 * Splits channels and groups (and their state, keyed by name) into batches within `limits`, in
 * order, greedily: each name with its state goes into the current batch when it fits, else starts
 * the next. A name whose own share is over a limit goes alone, as it would without merging.
 *
 * @example
 * ```ts
 * requestBatches(['a', 'b', 'c'], [], { a: { mood: 'ok' } }, { names: 2, uriBytes: 1000, stateBytes: 1000 });
 * // [{ channels: ['a', 'b'], channelGroups: [], state: { a: { mood: 'ok' } } }, { channels: ['c'], channelGroups: [] }]
 * ```
 */
export function requestBatches(
  channels: readonly string[],
  channelGroups: readonly string[],
  state: Readonly<Record<string, PresenceState>> | undefined,
  limits: RequestLimits = SERVICE_LIMITS,
): RequestBatch[] {
  const batches: RequestBatch[] = [];
  let current: { channels: string[]; channelGroups: string[]; state?: Record<string, PresenceState> } | undefined;
  let names = 0;
  let uri = 0;
  // `{}` around the entries, and `state=` plus its separator in the query.
  let stateBytes = 0;

  const add = (name: string, kind: 'channel' | 'group') => {
    // A channel is a path segment joined by `,`; groups are one query value joined by an encoded `,`.
    let uriCost = encodeString(name).length + (kind === 'channel' ? 1 : 3);
    let stateCost = 0;
    const value = stateOf(state, name);
    if (value !== undefined) {
      const entry = `${JSON.stringify(name)}:${JSON.stringify(value)},`;
      stateCost = utf8.encode(entry).length;
      uriCost += encodeString(entry).length;
    }
    const fits =
      current !== undefined &&
      names + 1 <= limits.names &&
      uri + uriCost <= limits.uriBytes &&
      (stateCost === 0 || stateBytes + stateCost + 2 <= limits.stateBytes);
    if (!fits) {
      current = { channels: [], channelGroups: [] };
      batches.push(current);
      names = 0;
      uri = 0;
      stateBytes = 0;
    }
    const batch = current!;
    (kind === 'channel' ? batch.channels : batch.channelGroups).push(name);
    names += 1;
    uri += uriCost;
    if (value !== undefined) {
      putState((batch.state ??= {}), name, value);
      stateBytes += stateCost;
    }
  };

  for (const name of channels) add(name, 'channel');
  for (const name of channelGroups) add(name, 'group');
  return batches;
}

/**
 * The entries of `state` for `names`, or undefined when it has none of them.
 *
 * @example
 * ```ts
 * pickState({ a: { mood: 'ok' }, b: {} }, ['a', 'c']); // { a: { mood: 'ok' } }
 * ```
 */
export function pickState(state: Readonly<Record<string, PresenceState>> | undefined, names: readonly string[]): Record<string, PresenceState> | undefined {
  let picked: Record<string, PresenceState> | undefined;
  for (const name of names) {
    const value = stateOf(state, name);
    if (value !== undefined) putState((picked ??= {}), name, value);
  }
  return picked;
}

/** A name's own entry in `state` (never one inherited, whatever the name). */
function stateOf(state: Readonly<Record<string, PresenceState>> | undefined, name: string): PresenceState | undefined {
  return state !== undefined && Object.prototype.hasOwnProperty.call(state, name) ? state[name] : undefined;
}

/** defineProperty: a channel may be called `__proto__`, which plain assignment would swallow. */
function putState(target: Record<string, PresenceState>, name: string, value: PresenceState): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}
