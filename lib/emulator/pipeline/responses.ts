/**
 * Response bodies exactly as the service sends them: key order as recorded, the Presence and
 * channel-registry services' Python-style JSON (`", "` and `": "` separators, non-ASCII as `\uXXXX`),
 * the Access Manager's and Balancer's compact JSON, and the content types that go with each.
 */

/**
 * What a request is answered with; the reply writer adds the headers every answer carries.
 *
 * @example
 * ```ts
 * const reply: Reply = replies.leave(); // { status: 200, body: '{"status": 200, "action": "leave", …}', … }
 * ```
 */
export interface Reply {
  readonly status: number;
  readonly body: string;
  /** The `Content-Type` header; `''` for a reply without a body (a CORS preflight), which gets no body headers. */
  readonly contentType: string;
  /** The `Server` header value. */
  readonly server: string;
  /** Headers of this reply alone, on top of the common ones (`Retry-After`, `Connection: close`…). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Thrown by handlers to answer with an error reply: deep validation can stop a request without
 * every caller checking return values. The server sends `reply`.
 *
 * @example
 * ```ts
 * throw new ReplyError(replies.presenceError(400, 'No state specified.'));
 * ```
 */
export class ReplyError extends Error {
  override readonly name = 'ReplyError';
  constructor(readonly reply: Reply) {
    super(`${reply.status} ${reply.body}`);
  }
}

/**
 * The region the emulator puts in every timetoken (`"r"`). Any non-zero number works: the JS SDK's
 * receive request refuses an empty (0) region.
 *
 * @example
 * ```ts
 * JSON.parse(body).t.r === SUBSCRIBE_REGION; // true
 * ```
 */
export const SUBSCRIBE_REGION = 1;

/** Presence and channel-registry answer with this content type (quoted charset, as recorded). */
const SERVICE_CONTENT_TYPE = 'text/javascript; charset="UTF-8"';
/** Access Manager (and the load balancer) answer with an unquoted charset. */
const GATEWAY_CONTENT_TYPE = 'text/javascript; charset=UTF-8';

/**
 * `JSON.stringify` in the layout of Python's `json.dumps` defaults, which is what the recorded
 * Presence bodies look like. It re-spaces the compact output in one pass instead of walking the
 * value, so deeply nested user state cannot exhaust the stack here.
 *
 * @example
 * ```ts
 * pythonJson({ status: 200, uuids: ['a', 'b'] }); // '{"status": 200, "uuids": ["a", "b"]}'
 * pythonJson({ name: 'Zoë' });                      // '{"name": "Zo\\u00eb"}'
 * ```
 */
export function pythonJson(value: unknown): string {
  const compact = JSON.stringify(value);
  let out = '';
  let inString = false;
  let start = 0;
  let ascii = true;
  for (let i = 0; i < compact.length; i++) {
    const c = compact.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // skip the escaped character
      else if (c === 0x22) inString = false;
      else if (c > 0x7f) ascii = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x2c || c === 0x3a) {
      out += compact.slice(start, i + 1) + ' ';
      start = i + 1;
    }
  }
  out += compact.slice(start);
  // Non-ASCII can only sit inside strings; most bodies have none, and skip the replace.
  return ascii ? out : out.replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Printable ASCII without `"` and `\\`: a string JSON and Python write as itself between quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * `items` as the inside of a Python-style JSON list (`"a", "b"`) when they are all plain strings
 * (see {@link PLAIN}); `undefined` otherwise, for {@link pythonJson} to handle.
 */
const pythonStrings = (items: readonly unknown[]): string | undefined => {
  let out = '';
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof item !== 'string' || !PLAIN.test(item)) return undefined;
    out += i === 0 ? `"${item}"` : `, "${item}"`;
  }
  return out;
};

const presence = (status: number, body: object): Reply => ({
  status, body: pythonJson(body), contentType: SERVICE_CONTENT_TYPE, server: 'Pubnub Presence',
});

/**
 * A reply of the Presence service: its content type, `Server: Pubnub Presence`, and `body` laid
 * out as Python's `json.dumps` does.
 *
 * @example
 * ```ts
 * presenceReply(503, { status: 503, error: 1, message: 'Service Unavailable', service: 'Presence' });
 * ```
 */
export const presenceReply = presence;

const registry = (status: number, body: object): Reply => ({
  status, body: pythonJson(body), contentType: SERVICE_CONTENT_TYPE, server: 'Pubnub',
});

const gateway = (status: number, body: object): Reply => ({
  status, body: JSON.stringify(body), contentType: GATEWAY_CONTENT_TYPE, server: 'Pubnub',
});

/**
 * One here-now occupant: a bare uuid, or `{uuid, state?}` when state was asked for.
 *
 * @example
 * ```ts
 * const entries: HereNowUuid[] = ['alice', { uuid: 'bob' }, { uuid: 'carol', state: { mood: 'ok' } }];
 * ```
 */
export type HereNowUuid = string | { readonly uuid: string; readonly state?: unknown };

/**
 * One channel of a here-now; `uuids` absent for occupancy-only answers.
 *
 * @example
 * ```ts
 * const full: HereNowChannel = { uuids: ['alice'], occupancy: 1 };
 * const countOnly: HereNowChannel = { occupancy: 1 };
 * ```
 */
export interface HereNowChannel {
  readonly uuids?: readonly HereNowUuid[];
  readonly occupancy: number;
}

// Answers that never vary, built once: most requests get one of these.
const HEARTBEAT = presence(200, { status: 200, message: 'OK', service: 'Presence' });
const LEAVE = presence(200, { status: 200, action: 'leave', message: 'OK', service: 'Presence' });
const REGISTRY_OK = registry(200, { status: 200, message: 'OK', service: 'channel-registry', error: false });
const METHOD_NOT_ALLOWED = presence(405, { status: 405, error: 1, message: 'Method Not Allowed', service: 'Presence' });
const INVALID_SUBSCRIBE_KEY = gateway(400, { message: 'Invalid Subscribe Key', error: true, service: 'Access Manager', status: 400 });
const INVALID_SIGNATURE = gateway(403, { message: 'Invalid Signature', error: true, service: 'Access Manager', status: 403 });
const SIGNATURE_REUSED = gateway(403, { message: 'Signature Already Used', error: true, service: 'Access Manager', status: 403 });
const URI_TOO_LONG = gateway(414, { message: 'Request URI Too Long', error: true, service: 'Balancer', status: 414 });
const HEADERS_TOO_LARGE = gateway(431, { message: 'Request Header Fields Too Large', error: true, service: 'Balancer', status: 431 });
const REQUEST_TIMEOUT = gateway(408, { message: 'Request Timeout', error: true, service: 'Balancer', status: 408 });
const COULD_NOT_PARSE = gateway(400, { message: 'Could Not Parse Request', error: true, service: 'Access Manager', status: 400 });
const INTERNAL_ERROR = presence(500, { status: 500, error: 1, message: 'Internal Server Error', service: 'Presence' });
const TOO_MANY_CONNECTIONS: Reply = {
  ...gateway(503, { message: 'Too many connections', error: true, service: 'Balancer', status: 503 }),
  headers: { 'Retry-After': '1', Connection: 'close' },
};
const GROUP_FULL = registry(400, { status: 400, message: 'Maximum channel group count exceeded.', service: 'channel-registry', error: true });
/** The message of every "too many channels" answer. */
const TOO_MANY_CHANNELS = 'Too many channels';
const TOO_MANY_CHANNELS_PRESENCE = presence(400, { status: 400, error: 1, message: TOO_MANY_CHANNELS, service: 'Presence' });
const TOO_MANY_CHANNELS_REGISTRY = registry(400, { status: 400, message: TOO_MANY_CHANNELS, service: 'channel-registry', error: true });
const TOO_MANY_CHANNELS_SUBSCRIBE = gateway(400, { message: TOO_MANY_CHANNELS, error: true, service: 'Balancer', status: 400 });

/**
 * The bodies, one builder per answer.
 *
 * @example
 * ```ts
 * replies.heartbeat().body; // '{"status": 200, "message": "OK", "service": "Presence"}'
 * replies.notFound('/nope').status; // 404
 * ```
 */
export const replies = {
  heartbeat: (): Reply => HEARTBEAT,

  leave: (): Reply => LEAVE,

  /** Exactly one channel and no groups: the flat shape, no `payload`. */
  hereNowSingle: ({ uuids, occupancy }: HereNowChannel): Reply => {
    if (uuids === undefined) return presence(200, { status: 200, message: 'OK', occupancy, service: 'Presence' });
    // The common answer, a list of plain uuids, is laid out directly (what pythonJson would make).
    const list = pythonStrings(uuids);
    if (list === undefined) return presence(200, { status: 200, message: 'OK', service: 'Presence', uuids, occupancy });
    return {
      status: 200,
      body: `{"status": 200, "message": "OK", "service": "Presence", "uuids": [${list}], "occupancy": ${occupancy}}`,
      contentType: SERVICE_CONTENT_TYPE,
      server: 'Pubnub Presence',
    };
  },

  /** Several channels, any group, or global: the `payload.channels` map. */
  hereNowMulti: (channels: Readonly<Record<string, HereNowChannel>>, totalOccupancy: number): Reply =>
    presence(200, {
      status: 200, message: 'OK',
      payload: { channels, total_channels: Object.keys(channels).length, total_occupancy: totalOccupancy },
      service: 'Presence',
    }),

  whereNow: (channels: readonly string[]): Reply =>
    presence(200, { status: 200, message: 'OK', payload: { channels }, service: 'Presence' }),

  /** The state is echoed once, even for several channels (as recorded). */
  setState: (state: unknown): Reply =>
    presence(200, { status: 200, message: 'OK', payload: state, service: 'Presence' }),

  getStateSingle: (uuid: string, channel: string, state: unknown): Reply =>
    presence(200, { status: 200, uuid, service: 'Presence', message: 'OK', payload: state, channel }),

  getStateMulti: (uuid: string, channels: Readonly<Record<string, unknown>>): Reply =>
    presence(200, { status: 200, message: 'OK', payload: { channels }, service: 'Presence', uuid }),

  registryOk: (): Reply => REGISTRY_OK,

  listChannels: (group: string, channels: readonly string[]): Reply =>
    registry(200, { status: 200, payload: { channels, group }, service: 'channel-registry', error: false }),

  listGroups: (groups: readonly string[]): Reply =>
    registry(200, { status: 200, payload: { namespace: '', groups }, service: 'channel-registry', error: false }),

  /** A 17-digit timetoken (ms × 10⁴), written as a number like the service does. */
  time: (nowMs: number): Reply => ({
    status: 200, body: `[${BigInt(Math.floor(nowMs)) * 10000n}]`, contentType: SERVICE_CONTENT_TYPE, server: 'Pubnub',
  }),

  /**
   * The subscribe long-poll's answer, compact JSON like the service's:
   * `{"t":{"t":"<17 digits>","r":<region>},"m":[…]}`.
   */
  subscribe: (timetoken: string, messages: readonly object[]): Reply => ({
    status: 200,
    body: JSON.stringify({ t: { t: timetoken, r: SUBSCRIBE_REGION }, m: messages }),
    contentType: SERVICE_CONTENT_TYPE,
    server: 'Pubnub',
  }),

  /** A subscribe the service cannot take (no channels or groups, a malformed `tt`). */
  subscribeError: (message: string): Reply =>
    gateway(400, { message, error: true, service: 'Balancer', status: 400 }),

  /** A Presence 400, e.g. `No state specified.` or `Invalid JSON specified.`. */
  presenceError: (status: number, message: string): Reply =>
    presence(status, { status, error: 1, message, service: 'Presence' }),

  /**
   * An add that would take a group past its channel limit, in the words of the service's
   * registry (captured in the Swift SDK's fixtures for an add-channels request).
   */
  groupFull: (): Reply => GROUP_FULL,

  /** The real 404 has no `status` key. */
  notFound: (normalizedPath: string): Reply =>
    presence(404, { message: `Not found: '${normalizedPath}'`, error: 1, service: 'Presence' }),

  methodNotAllowed: (): Reply => METHOD_NOT_ALLOWED,

  invalidSubscribeKey: (): Reply => INVALID_SUBSCRIBE_KEY,

  /** Missing or stale credentials; `payload` names what was asked for, as PAM denials do. */
  forbidden: (channels: readonly string[], groups: readonly string[]): Reply =>
    gateway(403, {
      message: 'Forbidden',
      payload: groups.length > 0 ? { channels, 'channel-groups': groups } : { channels },
      error: true, service: 'Access Manager', status: 403,
    }),

  invalidSignature: (): Reply => INVALID_SIGNATURE,

  /** A valid signature already accepted within the timestamp window (a replayed request). */
  signatureReused: (): Reply => SIGNATURE_REUSED,

  uriTooLong: (): Reply => URI_TOO_LONG,

  /** Headers beyond the server's header limit (the request line within it). */
  headersTooLarge: (): Reply => HEADERS_TOO_LARGE,

  requestTimeout: (): Reply => REQUEST_TIMEOUT,

  /** A request the gateway cannot read (bad percent-encoding, garbage request line). */
  couldNotParse: (): Reply => COULD_NOT_PARSE,

  internalError: (): Reply => INTERNAL_ERROR,

  /** A connection beyond `maxConnections`: the Balancer's 503, with `Retry-After: 1` and `Connection: close`. */
  tooManyConnections: (): Reply => TOO_MANY_CONNECTIONS,

  /**
   * More channels or groups than `maxChannelsPerRequest`: a 400 `Too many channels` in the body
   * style of the service addressed (Presence, the channel registry, or the subscribe Balancer).
   */
  tooManyChannels: (service: 'presence' | 'registry' | 'subscribe'): Reply =>
    service === 'registry' ? TOO_MANY_CHANNELS_REGISTRY : service === 'subscribe' ? TOO_MANY_CHANNELS_SUBSCRIBE : TOO_MANY_CHANNELS_PRESENCE,
};
