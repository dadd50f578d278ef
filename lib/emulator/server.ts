import { createServer, STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Subject, type Observable } from 'rxjs';
import { MAX_CHANNELS_PER_GROUP } from './channel-groups';
import { Eviction } from './eviction';
import { faultBodyReply, faultErrorReply, FaultInjector, type FaultDecision } from './faults';
import { handle, type HandlerContext } from './handlers';
import { HereNowCache } from './here-now-cache';
import { Keyspaces } from './keyspaces';
import { MalformedEncodingError, redactQueryString, RequestQuery } from './query';
import { ReplyError, replies, type Reply } from './responses';
import { EVENT_RETENTION_MS, PresenceFeed } from './presence-feed';
import { matchRoute, type Route } from './router';
import { checkSignature, ReplayGuard } from './signature-check';
import { MAX_PARKED_STATES } from './store';
import { SubscribeService, type HeldPoll } from './subscribe';
import { TimetokenSource } from './timetoken';
import type {
  Emulator,
  EmulatorClock,
  EmulatorFaults,
  EmulatorKeyset,
  EmulatorOperation,
  EmulatorOptions,
  EmulatorPresenceEvent,
  EmulatorRequestRecord,
} from './types';

/**
 * Longest request URI the service's balancer accepts; longer ones get its 414.
 *
 * @example
 * ```ts
 * if (url.length > MAX_URI_BYTES) console.warn('the service would answer 414');
 * ```
 */
export const MAX_URI_BYTES = 32 * 1024;
/**
 * Node's own header limit must sit above {@link MAX_URI_BYTES} so such URIs reach our handler and
 * get the service's JSON 414; anything bigger still gets it, from the `clientError` path.
 */
const MAX_HEADER_BYTES = 64 * 1024;
const SWEEP_INTERVAL_MS = 1000;
/**
 * How long one slice of background expiry may run before it yields to the event loop (the rest
 * follows on the next turn): a mass timeout (say a million occupants at once) is spread over many
 * turns and requests keep being answered meanwhile.
 */
const SWEEP_SLICE_MS = 3;
/**
 * The expiry a request does before it is answered, when no background slice is pending. Short:
 * a background slice may follow in the same turn of the event loop.
 */
const REQUEST_SWEEP_MS = 1;
const LOGGED_URL_CHARS = 300;
/**
 * How long a connection whose request could not be read (408, 414, 431, 400) stays after its
 * answer was written, at most, so that a client still sending can read the answer before the
 * close; then it is destroyed whatever the client does.
 */
const CLIENT_ERROR_LINGER_MS = 1000;
/** Longest delay `setTimeout` takes (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const systemClock: EmulatorClock = { now: () => Date.now() };

/** {@link EmulatorOptions} with every default applied and checked. */
interface Settings {
  readonly port: number;
  readonly host: string;
  readonly hereNowCacheMs: number;
  readonly defaultPresenceTimeout: number;
  readonly clock: EmulatorClock;
  readonly keysets: ReadonlyMap<string, EmulatorKeyset> | undefined;
  readonly requestTimeoutMs: number;
  readonly signatureWindowSeconds: number;
  readonly rejectReplayedSignatures: boolean;
  readonly log: ((line: string) => void) | undefined;
  readonly subscribeTimeoutMs: number;
  readonly announceMax: number;
  readonly presenceIntervalMs: number;
  readonly eventBufferSize: number;
  readonly maxChannelsPerRequest: number;
  readonly maxConnections: number;
  readonly maxChannelsPerGroup: number;
  readonly maxParkedStates: number;
  readonly eventRetentionMs: number;
  readonly faults: FaultInjector | undefined;
}

const checked = (name: string, value: number, ok: (v: number) => boolean, rule: string): number => {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new RangeError(`startEmulator: ${name} must be ${rule}, got ${String(value)}`);
  }
  return value;
};

const settingsOf = (options: EmulatorOptions): Settings => ({
  port: checked('port', options.port ?? 0, (v) => Number.isInteger(v) && v >= 0 && v <= 65535, 'an integer 0–65535'),
  host: options.host ?? '127.0.0.1',
  hereNowCacheMs: checked('hereNowCacheMs', options.hereNowCacheMs ?? 3000, (v) => v >= 0, '≥ 0'),
  defaultPresenceTimeout: checked('defaultPresenceTimeout', options.defaultPresenceTimeout ?? 300, (v) => v > 0, '> 0'),
  clock: options.clock ?? systemClock,
  keysets: options.keysets && new Map(options.keysets.map((keyset) => [keyset.subscribeKey, keyset])),
  requestTimeoutMs: checked('requestTimeoutMs', options.requestTimeoutMs ?? 10_000, (v) => v > 0, '> 0'),
  signatureWindowSeconds: checked('signatureWindowSeconds', options.signatureWindowSeconds ?? 60, (v) => v >= 0, '≥ 0'),
  rejectReplayedSignatures: options.rejectReplayedSignatures ?? true,
  log: options.log,
  subscribeTimeoutMs: checked('subscribeTimeoutMs', options.subscribeTimeoutMs ?? 280_000, (v) => v > 0 && v <= MAX_TIMER_MS, `> 0 and ≤ ${MAX_TIMER_MS}`),
  announceMax: checked('announceMax', options.announceMax ?? 20, (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0'),
  presenceIntervalMs: checked('presenceIntervalMs', options.presenceIntervalMs ?? 10_000, (v) => v > 0 && v <= MAX_TIMER_MS, `> 0 and ≤ ${MAX_TIMER_MS}`),
  eventBufferSize: checked('eventBufferSize', options.eventBufferSize ?? 1000, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1'),
  maxChannelsPerRequest: checked('maxChannelsPerRequest', options.maxChannelsPerRequest ?? 500, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1'),
  maxConnections: checked('maxConnections', options.maxConnections ?? 1024, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1'),
  maxChannelsPerGroup: checked('maxChannelsPerGroup', options.maxChannelsPerGroup ?? MAX_CHANNELS_PER_GROUP, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1'),
  maxParkedStates: checked('maxParkedStates', options.maxParkedStates ?? MAX_PARKED_STATES, (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0'),
  eventRetentionMs: checked('eventRetentionMs', options.eventRetentionMs ?? EVENT_RETENTION_MS, (v) => v > 0, '> 0'),
  faults: options.faults === undefined ? undefined : faultInjector(options.faults),
});

const faultInjector = (faults: EmulatorFaults): FaultInjector => {
  try {
    return new FaultInjector(faults);
  } catch (error) {
    if (error instanceof RangeError) throw new RangeError(`startEmulator: ${error.message}`);
    throw error;
  }
};

/** Hides credentials from log lines: `auth` and `signature` values, however their key is encoded. */
const redact = (url: string): string => {
  const queryAt = url.indexOf('?');
  return queryAt < 0 ? url : `${url.slice(0, queryAt + 1)}${redactQueryString(url.slice(queryAt + 1))}`;
};

/** The operation a URL asks for, without processing it (for the fault decision). */
const operationOf = (url: string): EmulatorOperation => {
  const queryAt = url.indexOf('?');
  try {
    return matchRoute(queryAt < 0 ? url : url.slice(0, queryAt)).operation;
  } catch {
    return 'unknown';
  }
};

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

/**
 * Which limit a header overflow (`HPE_HEADER_OVERFLOW`) hit. Node counts the request target and the
 * headers together against its header limit, and stops at the end of the piece it was reading in
 * the current chunk (`rawPacket`, up to `bytesParsed`): a target is followed by the space before
 * `HTTP/1.1` (414), a header name ends with `:` and a header value with `\r` (431). When the piece
 * runs past the chunk, a space or tab in it can only be a header value; otherwise it is taken for
 * the target.
 */
const overflowReply = (error: NodeJS.ErrnoException & { rawPacket?: unknown; bytesParsed?: unknown }): Reply => {
  const { rawPacket: packet, bytesParsed: at } = error;
  if (!Buffer.isBuffer(packet) || typeof at !== 'number' || at <= 0 || at > packet.length) return replies.uriTooLong();
  const last = packet[at - 1];
  if (last === 0x0d || last === 0x3a) return replies.headersTooLarge();
  if (at < packet.length) return packet[at] === 0x20 ? replies.uriTooLong() : replies.headersTooLarge();
  return packet.includes(0x20) || packet.includes(0x09) ? replies.headersTooLarge() : replies.uriTooLong();
};

/** What one request turned into, for `requests$` and the log. */
interface Outcome {
  reply: Reply;
  operation: EmulatorOperation;
  path: string;
  /** The parsed query, once parsed; records show it redacted. */
  query: RequestQuery | undefined;
  /** A subscribe with nothing to deliver yet: `reply` is unused, the answer comes later. */
  held: HeldPoll | undefined;
}

/**
 * The headers the server sends with every reply, one object per (content type, server) kept and
 * reused: only `Content-Length` changes, and Node serialises the object in `writeHead` at once.
 */
class HeaderTemplates {
  private readonly byType = new Map<string, Map<string, OutgoingHttpHeaders>>();

  for(reply: Reply): OutgoingHttpHeaders {
    let byServer = this.byType.get(reply.contentType);
    if (!byServer) this.byType.set(reply.contentType, (byServer = new Map()));
    let headers = byServer.get(reply.server);
    if (!headers) {
      headers = {
        'Content-Type': reply.contentType,
        'Content-Length': 0,
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'OPTIONS, GET, POST',
        'Cache-Control': 'no-cache',
        'Accept-Ranges': 'bytes',
        Age: '0',
        Server: reply.server,
      };
      byServer.set(reply.server, headers);
    }
    return headers;
  }
}

/**
 * The emulator's HTTP server. {@link startEmulator} returns it typed as the public
 * {@link Emulator}; specs that need to seed presence in bulk use {@link EmulatorServer.keyspaces}.
 *
 * @example
 * ```ts
 * const server = await EmulatorServer.start({ hereNowCacheMs: 0 });
 * server.keyspaces.write('demo').presence.heartbeat('alice', ['lobby'], 300);
 * await fetch(`${server.url}/v2/presence/sub-key/demo/channel/lobby?uuid=me`); // alice is there
 * await server.close();
 * ```
 */
export class EmulatorServer implements Emulator {
  readonly events$: Observable<EmulatorPresenceEvent>;
  readonly requests$: Observable<EmulatorRequestRecord>;
  /** Presence and channel groups of every subscribe key. */
  readonly keyspaces: Keyspaces;

  private readonly events = new Subject<EmulatorPresenceEvent>();
  private readonly requests = new Subject<EmulatorRequestRecord>();
  private readonly sockets = new Set<Socket>();
  /** Sockets beyond `maxConnections`: their first request is answered 503 and they are closed. */
  private readonly excess = new Set<Socket>();
  private readonly context: HandlerContext;
  private readonly feed: PresenceFeed;
  private readonly subscribes: SubscribeService;
  private readonly server: Server;
  private readonly headers = new HeaderTemplates();
  private readonly replays: ReplayGuard | undefined;
  private readonly eviction: Eviction;
  private faults: FaultInjector | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private intervalTimer: NodeJS.Timeout | undefined;
  private sweepSlice: NodeJS.Immediate | undefined;
  private closing: Promise<void> | undefined;
  private address: AddressInfo | undefined;
  private suspended = false;
  /** Suspend and resume, one after the other. */
  private transition: Promise<void> = Promise.resolve();

  private constructor(private readonly settings: Settings) {
    this.events$ = this.events.asObservable();
    this.requests$ = this.requests.asObservable();
    this.faults = settings.faults;
    const signing = [...(settings.keysets?.values() ?? [])].some((keyset) => keyset.secretKey !== undefined);
    this.replays = signing && settings.rejectReplayedSignatures ? new ReplayGuard() : undefined;
    const timetokens = new TimetokenSource(settings.clock);
    this.feed = new PresenceFeed({
      announceMax: settings.announceMax,
      eventBufferSize: settings.eventBufferSize,
      eventRetentionMs: settings.eventRetentionMs,
      clock: settings.clock,
      timetokens,
      groupsOf: (subscribeKey) => this.keyspaces.read(subscribeKey).groups,
    });
    this.keyspaces = new Keyspaces(
      settings.clock,
      (event) => {
        this.feed.publish(event);
        // Skipping an unobserved Subject saves its bookkeeping on every change of a mass timeout.
        if (this.events.observed) this.events.next(event);
      },
      settings.defaultPresenceTimeout,
      { maxChannelsPerGroup: settings.maxChannelsPerGroup, maxParkedStates: settings.maxParkedStates },
    );
    this.subscribes = new SubscribeService(this.keyspaces, this.feed, timetokens, settings.subscribeTimeoutMs);
    this.context = {
      keyspaces: this.keyspaces,
      clock: settings.clock,
      cache: new HereNowCache(settings.hereNowCacheMs, settings.clock),
    };
    this.eviction = new Eviction(this.keyspaces, this.feed, this.context.cache, settings.clock, settings.log);
    this.server = createServer(
      {
        // Both limit *receiving* a request; a held subscribe has been received in full, so they
        // never cut a long-poll short.
        requestTimeout: settings.requestTimeoutMs,
        headersTimeout: settings.requestTimeoutMs,
        // Node checks the two timeouts above on this period (default 30 s); keep it close to them.
        connectionsCheckingInterval: Math.min(1000, settings.requestTimeoutMs),
        maxHeaderSize: MAX_HEADER_BYTES,
        keepAlive: true,
      },
      (req, res) => this.onRequest(req, res),
    );
    this.server.on('connection', (socket: Socket) => this.onConnection(socket));
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => this.onClientError(error, socket));
  }

  /** Validates `options`, listens, and resolves once the port is bound. */
  static async start(options: EmulatorOptions = {}): Promise<EmulatorServer> {
    const emulator = new EmulatorServer(settingsOf(options));
    await emulator.listen(emulator.settings.port);
    emulator.address = emulator.server.address() as AddressInfo;
    // The timer only schedules a slice: run here, it would share a turn with the slice after it.
    emulator.sweepTimer = setInterval(() => emulator.scheduleSlice(), SWEEP_INTERVAL_MS).unref();
    emulator.intervalTimer = setInterval(() => emulator.guarded('interval messages', () => emulator.feed.tick()), emulator.settings.presenceIntervalMs).unref();
    emulator.eviction.start();
    return emulator;
  }

  get port(): number {
    return this.address?.port ?? 0;
  }

  get url(): string {
    const host = this.address?.family === 'IPv6' ? `[${this.address.address}]` : this.address?.address;
    return `http://${host}:${this.port}`;
  }

  sweep(): void {
    this.keyspaces.sweep();
    this.eviction.runNow();
  }

  /**
   * What the emulator holds now, for memory checks: keyspaces, channel message buffers, parked states.
   *
   * @example
   * ```ts
   * server.retained(); // { keyspaces: 0, eventLogs: 0, parkedStates: 0 } once everything expired
   * ```
   */
  retained(): { keyspaces: number; eventLogs: number; parkedStates: number } {
    return { keyspaces: this.keyspaces.size, eventLogs: this.feed.logCount(), parkedStates: this.keyspaces.parkedStates.size };
  }

  /**
   * One slice of background expiry; if more is due, the next one follows on the next turn of the
   * event loop (`setImmediate`), so there is at most one full slice per turn.
   */
  private sweepInSlices(): void {
    this.sweepSlice = undefined;
    if (this.closing !== undefined || this.keyspaces.sweep(Infinity, SWEEP_SLICE_MS)) return;
    this.scheduleSlice();
  }

  private scheduleSlice(): void {
    this.sweepSlice ??= setImmediate(() => this.guarded('expiry', () => this.sweepInSlices())).unref();
  }

  /**
   * Runs timer work (outside any request): an exception there would end the process, so it is
   * logged instead, and the next tick tries again.
   */
  private guarded(what: string, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.settings.log?.(`${what} failed: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }

  /**
   * Lazy expiry before a request is answered: what has timed out is gone first, unless a mass
   * timeout is being worked through in the background (then as much as a short slice allows, and
   * the rest follows within milliseconds).
   */
  private sweepBeforeRequest(): void {
    if (this.sweepSlice !== undefined || this.closing !== undefined) return;
    if (!this.keyspaces.sweep(Infinity, REQUEST_SWEEP_MS)) this.scheduleSlice();
  }

  openConnections(): number {
    return this.sockets.size;
  }

  heldSubscribes(): number {
    return this.subscribes.heldCount;
  }

  setFaults(faults: EmulatorFaults | undefined): void {
    this.faults = faults === undefined ? undefined : new FaultInjector(faults);
  }

  suspend(): Promise<void> {
    return this.sequence(() => {
      if (this.suspended || this.closing) return undefined;
      this.suspended = true;
      return this.stopListening();
    });
  }

  resume(): Promise<void> {
    return this.sequence(async () => {
      if (!this.suspended || this.closing) return;
      await this.listen(this.port);
      this.suspended = false;
    });
  }

  /**
   * Publishes the `interval` message of every channel in interval mode now, as the timer does
   * every `presenceIntervalMs`: for tests that do not want to wait for it.
   */
  flushIntervals(): void {
    this.feed.tick();
  }

  /** Channels of `subscribeKey` now in interval mode (occupancy above `announceMax`). */
  intervalChannels(subscribeKey: string): string[] {
    return this.feed.intervalChannels(subscribeKey);
  }

  /** Held polls registered with the feed: equals {@link EmulatorServer.heldSubscribes} unless something leaked. */
  feedWatchers(): number {
    return this.feed.watcherCount();
  }

  close(): Promise<void> {
    this.closing ??= this.transition
      .then(() => {
        clearInterval(this.sweepTimer);
        clearInterval(this.intervalTimer);
        clearImmediate(this.sweepSlice);
        this.eviction.stop();
        // Answered before the sockets go, so clients see a clean empty answer rather than a reset.
        this.subscribes.releaseAll();
        return this.stopListening();
      })
      .then(() => {
        this.events.complete();
        this.requests.complete();
      });
    return this.closing;
  }

  /** Runs `step` after the previous suspend / resume; a failed step does not block the next. */
  private sequence(step: () => Promise<void> | undefined): Promise<void> {
    const next = this.transition.then(step);
    this.transition = next.catch(() => undefined);
    return next;
  }

  private listen(port: number): Promise<void> {
    const { server } = this;
    return new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.settings.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops accepting and destroys every socket; resolves once the server and every socket have closed. */
  private async stopListening(): Promise<void> {
    const socketsClosed = [...this.sockets].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
    // Called with an error when the server was not listening (suspended): closed all the same.
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([serverClosed, ...socketsClosed]);
    // The responses' own `close` events (which cancel held subscribes) follow on the next ticks.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  private onConnection(socket: Socket): void {
    // Counted against the limit: sockets not marked excess.
    if (this.sockets.size - this.excess.size >= this.settings.maxConnections) this.excess.add(socket);
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.excess.delete(socket);
    });
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    if (this.excess.size > 0 && this.excess.has(req.socket)) {
      this.refuse(method, url, res);
      return;
    }
    const faults = this.faults;
    if (faults !== undefined) {
      const operation = operationOf(url);
      const decision = faults.decide(operation);
      if (decision !== undefined && (decision.kind !== undefined || decision.latencyMs > 0)) {
        this.faulted(decision, operation, faults.retryAfterSeconds, method, url, req, res);
        return;
      }
    }
    this.serve(method, url, res);
  }

  /** Answers (or holds) a request that is neither refused nor faulted. */
  private serve(method: string, url: string, res: ServerResponse): void {
    const { log } = this.settings;
    const started = log === undefined ? 0 : performance.now();
    const outcome = this.answer(method, url);
    const { held } = outcome;
    if (held === undefined) {
      this.send(res, outcome.reply);
      if (log !== undefined || this.requests.observed) this.report(method, url, outcome, started);
      return;
    }
    // The client may give up (abort, network loss) before anything arrives: forget the poll then.
    const abandoned = (): void => {
      held.cancel();
      this.settings.log?.(`${method} ${this.shown(url)} → abandoned subscribe ${(performance.now() - started).toFixed(1)}ms`);
    };
    res.once('close', abandoned);
    held.start((reply) => {
      res.off('close', abandoned);
      this.send(res, reply);
      outcome.reply = reply;
      this.report(method, url, outcome, started);
    });
  }

  /** A connection beyond `maxConnections`: the Balancer's 503, then the connection is closed. */
  private refuse(method: string, url: string, res: ServerResponse): void {
    const started = performance.now();
    const reply = replies.tooManyConnections();
    res.writeHead(reply.status, { ...this.headers.for(reply), 'Content-Length': Buffer.byteLength(reply.body), 'Retry-After': '1', Connection: 'close' });
    res.end(reply.body);
    this.report(method, url, this.unprocessed(url, reply, operationOf(url)), started);
  }

  /** A covered request under faults: waits its latency, then is answered normally or faulted (and then not processed). */
  private faulted(
    decision: FaultDecision,
    operation: EmulatorOperation,
    retryAfterSeconds: number,
    method: string,
    url: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    const started = performance.now();
    const apply = (): void => {
      const { kind } = decision;
      if (kind === undefined) {
        this.serve(method, url, res);
        return;
      }
      let reply: Reply | undefined;
      if (kind === 'reset') {
        // An RST, so the client sees ECONNRESET rather than a clean end of stream.
        req.socket.resetAndDestroy();
      } else if (kind === 'error') {
        reply = faultErrorReply(decision.status);
        const retryAfter = reply.status === 429 || reply.status === 503 ? { 'Retry-After': String(retryAfterSeconds) } : {};
        res.writeHead(reply.status, { ...this.headers.for(reply), 'Content-Length': Buffer.byteLength(reply.body), ...retryAfter });
        res.end(reply.body);
      } else if (kind !== 'hang') {
        reply = faultBodyReply(kind, operation, this.settings.clock.now());
        this.send(res, reply);
      }
      // A hang: nothing is sent; the socket stays open until the client gives up, or suspend / close.
      const outcome = this.unprocessed(url, reply ?? { ...replies.internalError(), status: 0 }, operation);
      this.report(method, url, outcome, started, undefined, kind);
    };
    if (decision.latencyMs <= 0) {
      apply();
      return;
    }
    // A client that gives up during the delay takes its request with it: it is never processed.
    const gone = (): void => clearTimeout(timer);
    const timer = setTimeout(() => {
      res.off('close', gone);
      apply();
    }, decision.latencyMs);
    res.once('close', gone);
  }

  /** The outcome of a request answered without processing it: its query parsed only for the record. */
  private unprocessed(url: string, reply: Reply, operation: EmulatorOperation): Outcome {
    const queryAt = url.indexOf('?');
    let query: RequestQuery | undefined;
    try {
      query = queryAt < 0 ? undefined : RequestQuery.parse(url.slice(queryAt + 1));
    } catch {
      query = undefined;
    }
    return { reply, operation, path: queryAt < 0 ? url : url.slice(0, queryAt), query, held: undefined };
  }

  private send(res: ServerResponse, reply: Reply): void {
    const headers = this.headers.for(reply);
    headers['Content-Length'] = Buffer.byteLength(reply.body);
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  }

  /** Never throws: every failure becomes a JSON reply, so one bad request cannot stop the server. */
  private answer(method: string, url: string): Outcome {
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    const outcome: Outcome = { reply: replies.internalError(), operation: 'unknown', path, query: undefined, held: undefined };
    try {
      // A URI of at most a third of the limit in UTF-16 units cannot exceed it in bytes.
      if (url.length > MAX_URI_BYTES / 3 && Buffer.byteLength(url) > MAX_URI_BYTES) {
        outcome.reply = replies.uriTooLong();
        return outcome;
      }
      const route = matchRoute(path);
      outcome.operation = route.operation;
      if (method !== 'GET') {
        outcome.reply = replies.methodNotAllowed();
        return outcome;
      }
      const query = RequestQuery.parse(queryAt < 0 ? '' : url.slice(queryAt + 1));
      outcome.query = query;
      if (route.operation === 'unknown') {
        outcome.reply = replies.notFound(route.normalizedPath);
        return outcome;
      }
      const refused = this.authorize(route, path, query) ?? this.overLimit(route, query);
      if (refused !== undefined) {
        outcome.reply = refused;
        return outcome;
      }
      this.sweepBeforeRequest();
      if (route.operation === 'subscribe') {
        const answer = this.subscribes.handle(route, query);
        if ('start' in answer) outcome.held = answer;
        else outcome.reply = answer;
        return outcome;
      }
      outcome.reply = handle(route, query, this.context);
    } catch (error) {
      if (error instanceof ReplyError) outcome.reply = error.reply;
      else if (error instanceof MalformedEncodingError) outcome.reply = replies.couldNotParse();
      else this.settings.log?.(`internal error: ${error instanceof Error ? error.stack : String(error)}`);
    }
    return outcome;
  }

  /** Subscribe-key and signature checks, as Access Manager does them before the service sees the request. */
  private authorize(route: Route, rawPath: string, query: RequestQuery): Reply | undefined {
    if (route.operation === 'time') return undefined;
    if (route.subscribeKey === '') return replies.invalidSubscribeKey();
    const { keysets } = this.settings;
    if (!keysets) return undefined;
    const keyset = keysets.get(route.subscribeKey);
    if (!keyset) return replies.invalidSubscribeKey();
    if (keyset.secretKey === undefined) return undefined;
    return checkSignature({
      secretKey: keyset.secretKey,
      publishKey: keyset.publishKey,
      rawPath,
      query,
      nowMs: this.settings.clock.now(),
      windowSeconds: this.settings.signatureWindowSeconds,
      channels: 'channels' in route ? route.channels : [],
      groups: query.list('channel-group'),
      replays: this.replays,
    });
  }

  /** `maxChannelsPerRequest`: path channels and `channel-group` together, and a registry `add` / `remove` list. */
  private overLimit(route: Route, query: RequestQuery): Reply | undefined {
    const max = this.settings.maxChannelsPerRequest;
    if (route.operation === 'time') return undefined;
    if (route.operation === 'channelGroup') {
      return countNames(query.get('add')) > max || countNames(query.get('remove')) > max ? replies.tooManyChannels('registry') : undefined;
    }
    const channels = 'channels' in route ? route.channels.length : 0;
    if (channels + countNames(query.get('channel-group')) <= max) return undefined;
    return replies.tooManyChannels(route.operation === 'subscribe' ? 'subscribe' : 'presence');
  }

  /**
   * Requests Node cannot parse (URI beyond the header limit, garbage, or too slow) still get the
   * service's JSON instead of Node's bare status line.
   */
  private onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const reply =
      error.code === 'HPE_HEADER_OVERFLOW' ? overflowReply(error)
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? replies.requestTimeout()
      : replies.couldNotParse();
    socket.end(
      `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status]}\r\n` +
        `Content-Type: ${reply.contentType}\r\nContent-Length: ${Buffer.byteLength(reply.body)}\r\n` +
        `Server: ${reply.server}\r\nConnection: close\r\n\r\n${reply.body}`,
    );
    // `end()` only half-closes: a client that never reads never sees it, and the socket (with its
    // connection slot) would stay for ever. So it is destroyed shortly after, whatever the client does.
    const linger = setTimeout(() => socket.destroy(), Math.min(CLIENT_ERROR_LINGER_MS, this.settings.requestTimeoutMs)).unref();
    socket.once('close', () => clearTimeout(linger));
    const outcome: Outcome = { reply, operation: 'unknown', path: '', query: undefined, held: undefined };
    this.report('', '', outcome, performance.now(), error.code);
  }

  private report(method: string, url: string, outcome: Outcome, started: number, note?: string, fault?: EmulatorRequestRecord['fault']): void {
    const { reply, operation, path, query } = outcome;
    if (this.requests.observed) {
      const redacted = query === undefined ? {} : query.redacted();
      this.requests.next(
        fault === undefined
          ? { method, path, query: redacted, status: reply.status, operation }
          : { method, path, query: redacted, status: reply.status, operation, fault },
      );
    }
    const { log } = this.settings;
    if (!log) return;
    const ms = (performance.now() - started).toFixed(1);
    const what = fault === undefined ? `${reply.status} ${operation}` : `${reply.status} ${operation} (fault: ${fault})`;
    log(`${method || '-'} ${this.shown(url) || `(${note ?? 'unparsed request'})`} → ${what} ${ms}ms`);
  }

  /** A URL for the log: credentials redacted, long ones cut. */
  private shown(url: string): string {
    const shown = redact(url);
    return shown.length > LOGGED_URL_CHARS ? `${shown.slice(0, LOGGED_URL_CHARS)}… (${url.length} chars)` : shown;
  }
}

/**
 * Starts a local server that answers PubNub's Presence REST API (heartbeat, leave, here now,
 * where now, state, channel groups, time) and the subscribe long-poll that delivers presence
 * events on `<channel>-pnpres`, closely enough that the official SDKs cannot tell it from the
 * service.
 *
 * @example
 * ```ts
 * import PubNub from 'pubnub';
 * import { startEmulator } from 'rx-presence/emulator';
 *
 * const emulator = await startEmulator();
 * const pubnub = new PubNub({
 *   subscribeKey: 'demo', publishKey: 'demo', userId: 'me',
 *   origin: emulator.url.replace('http://', ''), ssl: false,
 * });
 * const { totalOccupancy } = await pubnub.hereNow({ channels: ['lobby'] }); // 0
 * pubnub.destroy();
 * await emulator.close();
 * ```
 */
export function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return EmulatorServer.start(options);
}
