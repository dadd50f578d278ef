/**
 * The `state` parameter as the service reads it (set-state, heartbeat, subscribe): size, JSON,
 * shape, depth and exact numbers checked on the way in, so that every state stored can be written
 * back in every answer and message.
 */
import { MAX_STATE_BYTES } from '../../protocol/limits';
import type { StoredState } from '../model/store';
import { ReplyError, replies } from '../pipeline/responses';

/**
 * Most levels of nesting one state may have, the state object itself being the first:
 * `{"a":{"b":[1]}}` has 3. Deeper state is refused with 400 `State nested too deeply.`. 32 KiB
 * of JSON can nest about 16,000 levels, and writing such a value back (`JSON.stringify`, for
 * here-now, get-state and every presence message) exhausts the stack; real presence state is a few
 * levels deep. The per-channel map a heartbeat or subscribe may wrap states in
 * (`{"lobby":{…}}`) is one level more and does not count.
 *
 * @example
 * ```ts
 * import { MAX_STATE_DEPTH } from 'rx-presence/emulator';
 * const depth = (v: unknown): number =>
 *   v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depth)) : 0;
 * depth({ a: { b: [1] } }) <= MAX_STATE_DEPTH; // true: 3 levels
 * ```
 */
export const MAX_STATE_DEPTH = 32;

const isObject = (value: unknown): value is StoredState =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const tooDeep = (): ReplyError => new ReplyError(replies.presenceError(400, 'State nested too deeply.'));
const inexactNumber = (): ReplyError => new ReplyError(replies.presenceError(400, 'State has a number that cannot be kept exactly.'));

/**
 * A JSON number token as `<sign><digits>e<exponent>` with no leading or trailing zeros in the
 * digits (`'0'` for zero, whatever its sign): two tokens denote the same number exactly when
 * these are equal. Exact for any length of digits and any exponent JSON can write.
 */
function canonicalDecimal(token: string): string {
  let text = token;
  let sign = '';
  if (text.charCodeAt(0) === 0x2d) {
    sign = '-';
    text = text.slice(1);
  }
  let exponent = 0;
  const e = text.search(/[eE]/);
  if (e >= 0) {
    exponent = Number(text.slice(e + 1));
    text = text.slice(0, e);
  }
  const dot = text.indexOf('.');
  if (dot >= 0) {
    exponent -= text.length - dot - 1;
    text = text.slice(0, dot) + text.slice(dot + 1);
  }
  let from = 0;
  while (from < text.length && text.charCodeAt(from) === 0x30) from++;
  let to = text.length;
  while (to > from && text.charCodeAt(to - 1) === 0x30) to--;
  if (from === to) return '0';
  return `${sign}${text.slice(from, to)}e${exponent + (text.length - to)}`;
}

/**
 * Whether a JSON number survives being read into a double and written back: the shortest decimal
 * that reads back as the same double (what `JSON.stringify` writes) is the number that was sent.
 * `1e400` (Infinity, written `null`), `1e-400` (0), a 30-digit integer or 2^53 + 1 (rounded) do not.
 */
const keptExactly = (token: string): boolean => {
  const value = Number(token);
  return Number.isFinite(value) && canonicalDecimal(token) === canonicalDecimal(String(value));
};

const isNumberStart = (c: number): boolean => c === 0x2d || (c >= 0x30 && c <= 0x39);
/** Digits, `.`, `e`, `E`, `+`, `-`: what a JSON number is made of. */
const isNumberPart = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;

/**
 * One pass over JSON text already known to be valid: its nesting depth (stopping early once it
 * passes `maxDepth`) and whether every number in it is kept exactly. Strings are skipped whole, so
 * brackets and digits inside them are text. Iterative, so no input can exhaust the stack.
 */
function inspect(text: string, maxDepth: number): { depth: number; exact: boolean } {
  let depth = 0;
  let deepest = 0;
  let exact = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, stepping over escapes.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > maxDepth) return { depth: deepest, exact };
      }
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (isNumberStart(c)) {
      let end = i;
      let digits = 0;
      let exponent = false;
      for (; end < text.length; end++) {
        const d = text.charCodeAt(end);
        if (!isNumberPart(d)) break;
        if (d >= 0x30 && d <= 0x39) digits++;
        else if (d === 0x65 || d === 0x45) exponent = true;
      }
      // Up to 15 digits and no exponent: between 1e-15 and 1e15, and any such decimal round-trips
      // through a double (DBL_DIG). Only the rest needs the exact comparison.
      if (exact && (exponent || digits > 15) && !keptExactly(text.slice(i, end))) exact = false;
      i = end - 1;
    }
  }
  return { depth: deepest, exact };
}

/**
 * A parsed `state` value with its nesting depth (see {@link MAX_STATE_DEPTH}).
 *
 * @example
 * ```ts
 * const read: ReadState = { state: { a: [1] }, depth: 2 };
 * ```
 */
interface ReadState {
  readonly state: StoredState;
  readonly depth: number;
}

/**
 * Reads a `state` query value (already decoded): absent → 400 `No state specified.`, more than
 * {@link MAX_STATE_BYTES} → 400 `State too large.`, unparsable → 400 `Invalid JSON specified.`,
 * anything but an object → 400 `State must be a JSON object.`, nested deeper than
 * {@link MAX_STATE_DEPTH} + `extraLevels` → 400 `State nested too deeply.`, a number a double
 * cannot hold exactly (`1e400`, a 30-digit integer) → 400 `State has a number that cannot be kept
 * exactly.` (refused rather than stored changed). Errors are thrown as {@link ReplyError}.
 *
 * @param extraLevels - Levels allowed above {@link MAX_STATE_DEPTH}: 1 for a heartbeat's
 *   per-channel map (see {@link readHeartbeatState}).
 *
 * @example
 * ```ts
 * readState('{"a":[1]}');  // { state: { a: [1] }, depth: 2 }
 * readState('{"n":1e400}'); // throws ReplyError (400)
 * ```
 */
export function readState(text: string | undefined, extraLevels = 0): ReadState {
  if (text === undefined) throw new ReplyError(replies.presenceError(400, 'No state specified.'));
  if (Buffer.byteLength(text) > MAX_STATE_BYTES) throw new ReplyError(replies.presenceError(400, 'State too large.'));
  let value: unknown;
  try {
    // V8's JSON.parse is iterative: deep nesting parses; it is writing it back that fails.
    value = JSON.parse(text);
  } catch {
    throw new ReplyError(replies.presenceError(400, 'Invalid JSON specified.'));
  }
  if (!isObject(value)) throw new ReplyError(replies.presenceError(400, 'State must be a JSON object.'));
  const { depth, exact } = inspect(text, MAX_STATE_DEPTH + extraLevels);
  if (depth > MAX_STATE_DEPTH + extraLevels) throw tooDeep();
  if (!exact) throw inexactNumber();
  return { state: value, depth };
}

/**
 * Reads a `state` query value the way set-state does (see {@link readState} for every refusal).
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
  return readState(text).state;
}

/**
 * Whether a heartbeat's `state` is a per-channel map (`{"ch1":{…},"cg":{…}}`) rather than one
 * bare state: at least one key names a requested channel or group, and every such key holds an
 * object. See {@link heartbeatStates}.
 */
const isChannelMap = (state: StoredState, isRequested: (name: string) => boolean): boolean => {
  const named = Object.keys(state).filter(isRequested);
  return named.length > 0 && named.every((key) => isObject(state[key]));
};

/**
 * Reads a heartbeat's or subscribe's `state` (see {@link readState}): a per-channel map may be one
 * level deeper than {@link MAX_STATE_DEPTH}, since each state it carries is one level down; a bare
 * state may not.
 *
 * @param channels - Channels named in the path.
 * @param groups - Groups named in `channel-group`.
 *
 * @example
 * ```ts
 * readHeartbeatState('{"lobby":{"mood":"ok"}}', ['lobby'], []); // { lobby: { mood: 'ok' } }
 * ```
 */
export function readHeartbeatState(text: string, channels: readonly string[], groups: readonly string[]): StoredState {
  const { state, depth } = readState(text, 1);
  if (depth > MAX_STATE_DEPTH && !isChannelMap(state, (name) => channels.includes(name) || groups.includes(name))) throw tooDeep();
  return state;
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
  if (isChannelMap(state, (key) => channelSet.has(key) || groupChannels.has(key))) {
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
