import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Subject, type Observable } from 'rxjs';
import { handle, type HandlerContext } from './handlers';
import { HereNowCache } from './here-now-cache';
import { Keyspaces } from './keyspaces';
import { MalformedEncodingError, RequestQuery } from './query';
import { ReplyError, replies, type Reply } from './responses';
import { PresenceFeed } from './presence-feed';
import { matchRoute, type Route } from './router';
import { checkSignature } from './signature-check';
import { SubscribeService, type HeldPoll } from './subscribe';
import { TimetokenSource } from './timetoken';
import type {
  Emulator,
  EmulatorClock,
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
 * Deadlines handled per turn of the event loop outside an explicit `sweep()`: about 5 ms of work,
 * so a mass timeout (say a million occupants at once) is spread over many turns and requests keep
 * being answered meanwhile.
 */
const SWEEP_SLICE = 5_000;
const LOGGED_URL_CHARS = 300;
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
  readonly log: ((line: string) => void) | undefined;
  readonly subscribeTimeoutMs: number;
  readonly announceMax: number;
  readonly presenceIntervalMs: number;
  readonly eventBufferSize: number;
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
  log: options.log,
  subscribeTimeoutMs: checked('subscribeTimeoutMs', options.subscribeTimeoutMs ?? 280_000, (v) => v > 0 && v <= MAX_TIMER_MS, `> 0 and ≤ ${MAX_TIMER_MS}`),
  announceMax: checked('announceMax', options.announceMax ?? 20, (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0'),
  presenceIntervalMs: checked('presenceIntervalMs', options.presenceIntervalMs ?? 10_000, (v) => v > 0 && v <= MAX_TIMER_MS, `> 0 and ≤ ${MAX_TIMER_MS}`),
  eventBufferSize: checked('eventBufferSize', options.eventBufferSize ?? 1000, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1'),
});

/** Hides credentials from log lines. */
const redact = (url: string): string => url.replace(/([?&](?:auth|signature)=)[^&]*/g, '$1***');

/** What one request turned into, for `requests$` and the log. */
interface Outcome {
  reply: Reply;
  operation: EmulatorOperation;
  path: string;
  query: Record<string, string>;
  /** A subscribe with nothing to deliver yet: `reply` is unused, the answer comes later. */
  held?: HeldPoll;
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
  private readonly context: HandlerContext;
  private readonly feed: PresenceFeed;
  private readonly subscribes: SubscribeService;
  private readonly server: Server;
  private sweepTimer: NodeJS.Timeout | undefined;
  private intervalTimer: NodeJS.Timeout | undefined;
  private sweepSlice: NodeJS.Immediate | undefined;
  private closing: Promise<void> | undefined;
  private address: AddressInfo | undefined;

  private constructor(private readonly settings: Settings) {
    this.events$ = this.events.asObservable();
    this.requests$ = this.requests.asObservable();
    const timetokens = new TimetokenSource(settings.clock);
    this.feed = new PresenceFeed({
      announceMax: settings.announceMax,
      eventBufferSize: settings.eventBufferSize,
      clock: settings.clock,
      timetokens,
      groupsOf: (subscribeKey) => this.keyspaces.read(subscribeKey).groups,
    });
    this.keyspaces = new Keyspaces(
      settings.clock,
      (event) => {
        this.feed.publish(event);
        this.events.next(event);
      },
      settings.defaultPresenceTimeout,
    );
    this.subscribes = new SubscribeService(this.keyspaces, this.feed, timetokens, settings.subscribeTimeoutMs);
    this.context = {
      keyspaces: this.keyspaces,
      clock: settings.clock,
      cache: new HereNowCache(settings.hereNowCacheMs, settings.clock),
    };
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
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => this.onClientError(error, socket));
  }

  /** Validates `options`, listens, and resolves once the port is bound. */
  static async start(options: EmulatorOptions = {}): Promise<EmulatorServer> {
    const emulator = new EmulatorServer(settingsOf(options));
    const { server } = emulator;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(emulator.settings.port, emulator.settings.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    emulator.address = server.address() as AddressInfo;
    emulator.sweepTimer = setInterval(() => emulator.sweepInSlices(), SWEEP_INTERVAL_MS).unref();
    emulator.intervalTimer = setInterval(() => emulator.feed.tick(), emulator.settings.presenceIntervalMs).unref();
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
  }

  /** One slice of expiry now; if more is due, the rest follows on later turns of the event loop. */
  private sweepInSlices(): void {
    if (this.sweepSlice || this.closing) return;
    if (this.keyspaces.sweep(SWEEP_SLICE)) return;
    this.sweepSlice = setImmediate(() => {
      this.sweepSlice = undefined;
      this.sweepInSlices();
    }).unref();
  }

  openConnections(): number {
    return this.sockets.size;
  }

  heldSubscribes(): number {
    return this.subscribes.heldCount;
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
    this.closing ??= new Promise<void>((resolve) => {
      clearInterval(this.sweepTimer);
      clearInterval(this.intervalTimer);
      clearImmediate(this.sweepSlice);
      // Answered before the sockets go, so clients see a clean empty answer rather than a reset.
      this.subscribes.releaseAll();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    }).then(() => {
      this.events.complete();
      this.requests.complete();
    });
    return this.closing;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    const outcome = this.answer(method, url);
    const { held } = outcome;
    if (!held) {
      this.send(res, outcome.reply);
      this.report(method, url, outcome, performance.now() - started);
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
      this.report(method, url, { ...outcome, reply }, performance.now() - started);
    });
  }

  private send(res: ServerResponse, reply: Reply): void {
    res.writeHead(reply.status, {
      'Content-Type': reply.contentType,
      'Content-Length': Buffer.byteLength(reply.body),
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'OPTIONS, GET, POST',
      'Cache-Control': 'no-cache',
      'Accept-Ranges': 'bytes',
      Age: '0',
      Server: reply.server,
    });
    res.end(reply.body);
  }

  /** Never throws: every failure becomes a JSON reply, so one bad request cannot stop the server. */
  private answer(method: string, url: string): Outcome {
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    const outcome: Outcome = { reply: replies.internalError(), operation: 'unknown', path, query: {} };
    try {
      if (Buffer.byteLength(url) > MAX_URI_BYTES) return { ...outcome, reply: replies.uriTooLong() };
      const route = matchRoute(path);
      outcome.operation = route.operation;
      if (method !== 'GET') return { ...outcome, reply: replies.methodNotAllowed() };
      const query = RequestQuery.parse(queryAt < 0 ? '' : url.slice(queryAt + 1));
      outcome.query = query.all();
      if (route.operation === 'unknown') return { ...outcome, reply: replies.notFound(route.normalizedPath) };
      const denied = this.authorize(route, path, query);
      if (denied) return { ...outcome, reply: denied };
      // Lazy expiry: what has timed out is gone before we answer (during a mass timeout, as much as
      // one slice allows; the rest follows within milliseconds).
      this.sweepInSlices();
      if (route.operation === 'subscribe') {
        const answer = this.subscribes.handle(route, query);
        return 'start' in answer ? { ...outcome, held: answer } : { ...outcome, reply: answer };
      }
      return { ...outcome, reply: handle(route, query, this.context) };
    } catch (error) {
      if (error instanceof ReplyError) return { ...outcome, reply: error.reply };
      if (error instanceof MalformedEncodingError) return { ...outcome, reply: replies.couldNotParse() };
      this.settings.log?.(`internal error: ${error instanceof Error ? error.stack : String(error)}`);
      return outcome;
    }
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
    });
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
      error.code === 'HPE_HEADER_OVERFLOW' ? replies.uriTooLong()
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? replies.requestTimeout()
      : replies.couldNotParse();
    socket.end(
      `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status]}\r\n` +
        `Content-Type: ${reply.contentType}\r\nContent-Length: ${Buffer.byteLength(reply.body)}\r\n` +
        `Server: ${reply.server}\r\nConnection: close\r\n\r\n${reply.body}`,
    );
    this.report('', '', { reply, operation: 'unknown', path: '', query: {} }, 0, error.code);
  }

  private report(method: string, url: string, outcome: Outcome, ms: number, note?: string): void {
    const { reply, operation, path, query } = outcome;
    this.requests.next({ method, path, query, status: reply.status, operation });
    const { log } = this.settings;
    if (!log) return;
    log(`${method || '-'} ${this.shown(url) || `(${note ?? 'unparsed request'})`} → ${reply.status} ${operation} ${ms.toFixed(1)}ms`);
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
