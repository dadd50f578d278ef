import { channelOfPresence, isPresenceChannel, presenceChannelOf } from '../../protocol/presence-channels';
import type { Keyspaces } from '../model/keyspaces';
import type { Delivery, FeedWatch, FeedWatcher, PresenceFeed } from '../model/presence-feed';
import { formatTimetoken, parseTimetoken, type TimetokenSource } from '../model/timetoken';
import type { RequestQuery } from '../pipeline/query';
import { ReplyError, replies, SUBSCRIBE_REGION, type Reply } from '../pipeline/responses';
import type { SubscribeRoute } from '../pipeline/router';
import { readPresenceState, renewPresence } from './heartbeat';
import { checkUuid, presenceTimeoutOf, presentNames, unique } from './helpers';

/** The shard (`"a"`) of every message; clients ignore it. */
const SHARD = '0';
/** Most messages in one subscribe answer, as the service does; the rest follow on the next poll. */
export const MAX_MESSAGES_PER_RESPONSE = 100;

/** The channels (or groups) whose presence `names` subscribe to: the `-pnpres` ones, without the suffix. */
const watched = (names: readonly string[]): string[] => unique(names).filter(isPresenceChannel).map(channelOfPresence);

const isPrimitive = (value: unknown): boolean =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/**
 * The `u` metadata the service adds to presence messages (for subscribe filter expressions; the
 * SDKs ignore it): keys sorted, as captured. State keys are flattened into `pn_state_<key>` for
 * state-change, primitives only.
 */
function metadataOf(delivery: Delivery): Record<string, unknown> {
  const { payload, channel } = delivery.message;
  const meta: Record<string, unknown> = {
    pn_action: payload.action,
    pn_channel: channel,
    pn_ispresence: 1,
    pn_occupancy: payload.occupancy,
  };
  if (payload.action === 'interval') return meta;
  meta.pn_precise_timestamp = payload.precise_timestamp;
  const data = payload.data;
  if (payload.action === 'state-change' && typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const state = data as Record<string, unknown>;
    for (const key of Object.keys(state).sort()) if (isPrimitive(state[key])) meta[`pn_state_${key}`] = state[key];
  }
  meta.pn_timestamp = payload.timestamp;
  meta.pn_uuid = payload.uuid;
  return meta;
}

/**
 * One message of a subscribe answer, fields in the order of captured service messages:
 * `a`, `f`, `p`, `k`, `c`, `u`, `d`, `b`. No `e` (clients read presence from the `-pnpres`
 * suffix) and no `i` (presence messages have no publisher).
 *
 * @example
 * ```ts
 * envelopeOf('demo', { message, subscription: 'lobby-pnpres' });
 * // { a: '0', f: 0, p: { t: '19000000000000000', r: 1 }, k: 'demo', c: 'lobby-pnpres', u: {…}, d: {…}, b: 'lobby-pnpres' }
 * ```
 */
function envelopeOf(subscribeKey: string, delivery: Delivery): object {
  const { message, subscription } = delivery;
  return {
    a: SHARD,
    f: 0,
    p: { t: formatTimetoken(message.timetoken), r: SUBSCRIBE_REGION },
    k: subscribeKey,
    c: presenceChannelOf(message.channel),
    u: metadataOf(delivery),
    d: message.payload,
    b: subscription,
  };
}

/** Whether `JSON.stringify` can write `value` (it throws on cycles, BigInt, extreme nesting). */
const writable = (value: unknown): boolean => {
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
};

/**
 * The answer carrying `deliveries`, `t` being the last one's timetoken. State is checked on the way
 * in (see `readState`), so every message can be written; should one ever not be, it is left out
 * rather than failing this answer and every later catch-up that reaches it, and `t` still moves
 * past it.
 */
const answerWith = (subscribeKey: string, deliveries: readonly Delivery[]): Reply => {
  const timetoken = formatTimetoken(deliveries[deliveries.length - 1].message.timetoken);
  const envelopes = deliveries.map((delivery) => envelopeOf(subscribeKey, delivery));
  try {
    return replies.subscribe(timetoken, envelopes);
  } catch {
    return replies.subscribe(timetoken, envelopes.filter(writable));
  }
};

const emptyAnswer = (timetoken: bigint): Reply => replies.subscribe(formatTimetoken(timetoken), []);

/**
 * A subscribe with nothing to deliver yet. The server calls {@link HeldPoll.start} right away
 * with the function that writes the answer; it is called exactly once — with messages, with
 * nothing after the long-poll timeout, or with nothing on shutdown — unless
 * {@link HeldPoll.cancel} (the client went away) came first.
 *
 * @example
 * ```ts
 * const held = service.handle(route, query);
 * if ('start' in held) {
 *   res.once('close', () => held.cancel());
 *   held.start((reply) => res.end(reply.body));
 * }
 * ```
 */
export interface HeldPoll {
  start(respond: (reply: Reply) => void): void;
  cancel(): void;
}

class Poll implements HeldPoll, FeedWatcher {
  private respond: ((reply: Reply) => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private check: NodeJS.Immediate | undefined;
  private done = false;

  constructor(
    private readonly service: SubscribeService,
    readonly subscribeKey: string,
    readonly watch: FeedWatch,
    readonly after: bigint,
  ) {}

  start(respond: (reply: Reply) => void): void {
    if (this.done) return;
    this.respond = respond;
    this.service.register(this);
    this.timer = setTimeout(() => this.finish(emptyAnswer(this.after)), this.service.timeoutMs);
    this.timer.unref();
  }

  /** Something was published for us: look once the current request has made all its changes. */
  notify(): void {
    if (this.done || this.check) return;
    this.check = setImmediate(() => {
      this.check = undefined;
      // Outside any request: an exception here would end the process, so it ends this poll instead.
      let reply: Reply | undefined;
      try {
        reply = this.service.ready(this.subscribeKey, this.watch, this.after);
      } catch {
        reply = replies.internalError();
      }
      if (reply) this.finish(reply);
    });
  }

  finish(reply: Reply): void {
    if (this.done) return;
    const respond = this.respond;
    this.cancel();
    respond?.(reply);
  }

  /** Releases with no messages (shutdown). */
  release(): void {
    this.finish(emptyAnswer(this.after));
  }

  cancel(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    clearImmediate(this.check);
    this.check = undefined;
    this.respond = undefined;
    this.service.unregister(this);
  }
}

/**
 * `GET /v2/subscribe/{sub}/{channels|,}/0`: the long-poll that delivers presence messages on
 * `<channel>-pnpres` (protocol.md §9–§10).
 *
 * - No `tt` (or `tt=0`): the handshake, answered at once with a fresh timetoken and no messages.
 * - `tt=T`: every buffered message after `T` for the `-pnpres` channels and `-pnpres` groups
 *   subscribed to (a group covers its member channels, and `b` names the group), at most
 *   {@link MAX_MESSAGES_PER_RESPONSE}, with `t` the last one's timetoken; when there is none the
 *   request is held until there is, or until `timeoutMs` passes (then `t` is `T` again).
 * - Implicit heartbeat: the non-presence channels and groups named make `uuid` present there
 *   (join on first sight) on every subscribe, handshake included, with `heartbeat` as the timeout
 *   when given (else the uuid's current one there, else the default), and `state` applied as on a
 *   heartbeat. The handshake's timetoken is taken before that, so a client watching its own
 *   channel's presence receives its own join on the first poll, as with the service.
 * - `tr`, `filter-expr`, `ee`, `on-demand` are accepted and ignored.
 *
 * @example
 * ```ts
 * const answer = service.handle(route, query); // a Reply, or a HeldPoll for the server to start
 * ```
 */
export class SubscribeService {
  private readonly held = new Set<Poll>();

  constructor(
    private readonly keyspaces: Keyspaces,
    private readonly feed: PresenceFeed,
    private readonly timetokens: TimetokenSource,
    /** How long a poll is held before it is answered with no messages. */
    readonly timeoutMs: number,
  ) {}

  /** Polls currently held. */
  get heldCount(): number {
    return this.held.size;
  }

  /** Answers at once (handshake, messages ready) or returns the poll to hold. Client errors are thrown as {@link ReplyError}. */
  handle(route: SubscribeRoute, query: RequestQuery): Reply | HeldPoll {
    const uuid = checkUuid(query.get('uuid'));
    const groups = query.list('channel-group');
    if (route.channels.length === 0 && groups.length === 0) throw new ReplyError(replies.subscribeError('Invalid Arguments'));
    const tt = query.get('tt');
    const handshake = tt === undefined || tt === '' || tt === '0';
    const after = handshake ? undefined : parseTimetoken(tt);
    if (!handshake && after === undefined) throw new ReplyError(replies.subscribeError('Invalid Timetoken'));
    const timeout = presenceTimeoutOf(query.get('heartbeat'));
    const present = presentNames(route.channels, groups);
    const state = readPresenceState(query, present);
    const renew = (): void => renewPresence(this.keyspaces, route.subscribeKey, uuid, present, timeout, state);

    if (after === undefined) {
      const cursor = this.timetokens.next();
      renew();
      return emptyAnswer(cursor);
    }
    renew();
    const watch: FeedWatch = { channels: watched(route.channels), groups: watched(groups) };
    return this.ready(route.subscribeKey, watch, after) ?? new Poll(this, route.subscribeKey, watch, after);
  }

  /** Answers every held poll with no messages, as for a long-poll timeout: for shutdown. */
  releaseAll(): void {
    for (const poll of [...this.held]) poll.release();
  }

  /** @internal The answer for `watch` after `after`, if anything is buffered. */
  ready(subscribeKey: string, watch: FeedWatch, after: bigint): Reply | undefined {
    const deliveries = this.feed.collect(subscribeKey, watch, after, MAX_MESSAGES_PER_RESPONSE);
    return deliveries.length > 0 ? answerWith(subscribeKey, deliveries) : undefined;
  }

  /** @internal */
  register(poll: Poll): void {
    this.held.add(poll);
    this.feed.watch(poll);
  }

  /** @internal */
  unregister(poll: Poll): void {
    this.held.delete(poll);
    this.feed.unwatch(poll);
  }
}
