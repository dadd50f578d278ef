/**
 * The request pipeline: what the service does with one request, from the URL to the answer,
 * without HTTP. The server only feeds it and writes what comes out.
 */
import { MAX_REQUEST_URI_BYTES } from '../../protocol/limits';
import { channelGroup } from '../endpoints/channel-groups';
import { heartbeat, leave } from '../endpoints/heartbeat';
import type { EndpointContext } from '../endpoints/helpers';
import { globalHereNow, hereNow } from '../endpoints/here-now';
import { getState, setState } from '../endpoints/state';
import type { HeldPoll, SubscribeService } from '../endpoints/subscribe';
import { time } from '../endpoints/time';
import { whereNow } from '../endpoints/where-now';
import type { EmulatorFaultKind } from '../types';
import type { Access } from './access';
import { MalformedEncodingError, type RequestQuery } from './query';
import type { IncomingRequest } from './request';
import { ReplyError, replies, type Reply } from './responses';
import type { Route, SubscribeRoute } from './router';

/**
 * What became of one request: what the server writes (or does not), and when.
 *
 * - `reply`: answer now (with `fault` set when a fault chose it);
 * - `held`: a subscribe with nothing to deliver yet, answered later through the poll;
 * - `drop`: answer nothing: destroy the connection (`reset`) or leave it open (`hang`);
 * - `delayed`: wait `ms` (an injected latency), then take `next` with the clock read then.
 *
 * @example
 * ```ts
 * const outcome: Outcome = { kind: 'reply', reply: replies.heartbeat() };
 * ```
 */
export type Outcome =
  | { readonly kind: 'reply'; readonly reply: Reply; readonly fault?: EmulatorFaultKind }
  | { readonly kind: 'held'; readonly poll: HeldPoll }
  | { readonly kind: 'drop'; readonly fault: 'reset' | 'hang' }
  | { readonly kind: 'delayed'; readonly ms: number; readonly next: (now: number) => Outcome };

/**
 * A request in, its outcome out. `now` is the emulator clock's reading for the request.
 *
 * @example
 * ```ts
 * const outcome = answer(new IncomingRequest('GET', '/time/0'), clock.now());
 * ```
 */
export type Answer = (request: IncomingRequest, now: number) => Outcome;

/**
 * What the pipeline works with.
 *
 * @example
 * ```ts
 * const deps: PipelineDeps = { endpoints, subscribes, access, maxChannelsPerRequest: 500, beforeRequest: () => {}, internalError: console.error };
 * ```
 */
interface PipelineDeps {
  readonly endpoints: EndpointContext;
  readonly subscribes: SubscribeService;
  readonly access: Access;
  readonly maxChannelsPerRequest: number;
  /** Lazy expiry, run once a request is known to be served, before it is. */
  readonly beforeRequest: () => void;
  /** Receives what should never happen: an exception other than a client error. */
  readonly internalError: (error: unknown) => void;
}

/** A URI of at most this many UTF-16 units cannot exceed `MAX_REQUEST_URI_BYTES` in UTF-8 bytes. */
const SURELY_SHORT_URI = MAX_REQUEST_URI_BYTES / 3;

/** Names in a comma list, counted without building it (empty names do not count, as in `splitNames`). */
const countNames = (list: string | undefined): number => {
  if (list === undefined || list === '') return 0;
  let count = 0;
  let from = 0;
  for (;;) {
    const comma = list.indexOf(',', from);
    const to = comma < 0 ? list.length : comma;
    if (to > from) count++;
    if (comma < 0) return count;
    from = comma + 1;
  }
};

/** `maxChannelsPerRequest`: path channels and `channel-group` together, and a registry `add` / `remove` list. */
const overLimit = (route: Route, query: RequestQuery, max: number): Reply | undefined => {
  if (route.operation === 'time') return undefined;
  if (route.operation === 'channelGroup') {
    return countNames(query.get('add')) > max || countNames(query.get('remove')) > max ? replies.tooManyChannels('registry') : undefined;
  }
  const channels = 'channels' in route ? route.channels.length : 0;
  if (channels + countNames(query.get('channel-group')) <= max) return undefined;
  return replies.tooManyChannels(route.operation === 'subscribe' ? 'subscribe' : 'presence');
};

/** The REST endpoint a routed, admitted request goes to. Client errors are thrown as {@link ReplyError}. */
const serve = (route: Exclude<Route, SubscribeRoute>, query: RequestQuery, ctx: EndpointContext, now: number): Reply => {
  switch (route.operation) {
    case 'time':
      return time(now);
    case 'hereNow':
      return hereNow(route, query, ctx);
    case 'globalHereNow':
      return globalHereNow(route.subscribeKey, query, ctx);
    case 'heartbeat':
      return heartbeat(route, query, ctx);
    case 'leave':
      return leave(route, query, ctx);
    case 'whereNow':
      return whereNow(route, query, ctx);
    case 'setState':
      return setState(route, query, ctx);
    case 'getState':
      return getState(route, query, ctx);
    case 'channelGroup':
      return channelGroup(route, query, ctx);
  }
};

const reply = (answer: Reply): Outcome => ({ kind: 'reply', reply: answer });

/**
 * The pipeline: every request goes through these steps in order, and the first that has an answer
 * gives it. Never throws: every failure becomes a JSON reply, so one bad request cannot stop the
 * server.
 *
 * 1. URI longer than the balancer takes → 414;
 * 2. route the path (a bad escape → 400 `Could Not Parse Request`);
 * 3. a method other than GET → 405;
 * 4. parse the query (a bad escape → 400);
 * 5. no such endpoint → 404;
 * 6. Access Manager: subscribe key, signature ({@link Access}) → 400 / 403;
 * 7. too many channels or groups → 400;
 * 8. lazy expiry, so that what has timed out is gone first;
 * 9. the endpoint: a reply; for subscribe, a reply or a held poll.
 *
 * @example
 * ```ts
 * const answer = pipeline(deps);
 * answer(new IncomingRequest('GET', '/v2/presence/sub-key/demo/channel/lobby/heartbeat?uuid=me'), Date.now());
 * // { kind: 'reply', reply: replies.heartbeat() }
 * ```
 */
export function pipeline(deps: PipelineDeps): Answer {
  return (request, now) => {
    const { url } = request;
    try {
      if (url.length > SURELY_SHORT_URI && Buffer.byteLength(url) > MAX_REQUEST_URI_BYTES) return reply(replies.uriTooLong());
      const route = request.route();
      if (request.method !== 'GET') return reply(replies.methodNotAllowed());
      const query = request.query();
      if (route.operation === 'unknown') return reply(replies.notFound(route.normalizedPath));
      const refused = deps.access.check(route, request.path, query, now) ?? overLimit(route, query, deps.maxChannelsPerRequest);
      if (refused !== undefined) return reply(refused);
      deps.beforeRequest();
      if (route.operation !== 'subscribe') return reply(serve(route, query, deps.endpoints, now));
      const answered = deps.subscribes.handle(route, query);
      return 'start' in answered ? { kind: 'held', poll: answered } : reply(answered);
    } catch (error) {
      if (error instanceof ReplyError) return reply(error.reply);
      if (error instanceof MalformedEncodingError) return reply(replies.couldNotParse());
      deps.internalError(error);
      return reply(replies.internalError());
    }
  };
}
