import { ReplyError, replies } from './responses';
import type { StoredState } from './store';

/**
 * Largest state the service stores, in bytes of JSON text.
 *
 * @example
 * ```ts
 * Buffer.byteLength(JSON.stringify(state)) <= MAX_STATE_BYTES; // fits
 * ```
 */
export const MAX_STATE_BYTES = 32 * 1024;

const isObject = (value: unknown): value is StoredState =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a `state` query value (already decoded) the way set-state does: absent → 400
 * `No state specified.`, unparsable → 400 `Invalid JSON specified.`, anything but an object →
 * 400 `State must be a JSON object.`, more than {@link MAX_STATE_BYTES} → 400 `State too large.`.
 * Errors are thrown as {@link ReplyError}.
 *
 * A state over 32 KiB normally never gets here: its URI is longer than 32 KiB too, and the
 * balancer's 414 answers first.
 *
 * @example
 * ```ts
 * parseState('{"mood":"ok"}'); // { mood: 'ok' }
 * parseState('[1]');           // throws ReplyError (400)
 * ```
 */
export function parseState(text: string | undefined): StoredState {
  if (text === undefined) throw new ReplyError(replies.presenceError(400, 'No state specified.'));
  if (Buffer.byteLength(text) > MAX_STATE_BYTES) throw new ReplyError(replies.presenceError(400, 'State too large.'));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ReplyError(replies.presenceError(400, 'Invalid JSON specified.'));
  }
  if (!isObject(value)) throw new ReplyError(replies.presenceError(400, 'State must be a JSON object.'));
  return value;
}

/**
 * Works out which state a heartbeat sets on which channel.
 *
 * Event-engine clients send a map keyed by channel or group name (`{"ch1":{…},"cg":{…}}`); the JS
 * SDK's `setState({ withHeartbeat: true })` sends the bare state. We read it as a map when at
 * least one key names a requested channel or group and every such key holds an object; otherwise
 * the whole object is the state of every channel. An explicit channel key wins over its group's.
 * An empty object (the JS legacy loop's `state={}`) changes nothing.
 *
 * @param state - The parsed `state` parameter.
 * @param channels - Channels named in the path.
 * @param groupChannels - Each requested group with its current channels.
 * @returns channel → state to set.
 *
 * @example
 * ```ts
 * heartbeatStates({ a: { x: 1 } }, ['a', 'b'], new Map());     // Map { 'a' => { x: 1 } }
 * heartbeatStates({ mood: 'ok' }, ['a', 'b'], new Map());      // both channels get { mood: 'ok' }
 * ```
 */
export function heartbeatStates(
  state: StoredState,
  channels: readonly string[],
  groupChannels: ReadonlyMap<string, readonly string[]>,
): Map<string, StoredState> {
  const states = new Map<string, StoredState>();
  const channelSet = new Set(channels);
  const own = (key: string): unknown => (Object.hasOwn(state, key) ? state[key] : undefined);
  const named = Object.keys(state).filter((key) => channelSet.has(key) || groupChannels.has(key));
  if (named.length > 0 && named.every((key) => isObject(state[key]))) {
    for (const channel of channels) {
      const channelState = own(channel);
      if (isObject(channelState)) states.set(channel, channelState);
    }
    for (const [group, members] of groupChannels) {
      const groupState = own(group);
      if (!isObject(groupState)) continue;
      for (const channel of members) if (!states.has(channel)) states.set(channel, groupState);
    }
    return states;
  }
  if (Object.keys(state).length === 0) return states;
  for (const channel of channels) states.set(channel, state);
  for (const members of groupChannels.values()) for (const channel of members) states.set(channel, state);
  return states;
}
