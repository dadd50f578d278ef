import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Observable } from 'rxjs';
import { MAX_REQUEST_URI_BYTES } from '../protocol/limits';
import { Connections } from './connections';
import { clientErrorReply, preflightReply } from './edge';
import type { Keyspaces } from './model/keyspaces';
import type { Outcome } from './pipeline/pipeline';
import { IncomingRequest } from './pipeline/request';
import { replies, type Reply } from './pipeline/responses';
import { ReplyWriter } from './reply-writer';
import { RequestLog } from './request-log';
import { PresenceService } from './service';
import { settingsOf, type Settings } from './settings';
import type { Emulator, EmulatorFaults, EmulatorOptions, EmulatorPresenceEvent, EmulatorRequestRecord } from './types';

/**
 * Node's own header limit must sit above `MAX_REQUEST_URI_BYTES` so such URIs reach the pipeline and
 * get the service's JSON 414; anything bigger still gets it, from the `clientError` path.
 */
const MAX_HEADER_BYTES = 2 * MAX_REQUEST_URI_BYTES;
/**
 * How long a connection whose request could not be read (408, 414, 431, 400) stays after its
 * answer was written, at most, so that a client still sending can read the answer before the
 * close; then it is destroyed whatever the client does.
 */
const CLIENT_ERROR_LINGER_MS = 1000;

/**
 * The emulator's HTTP server: it listens, caps connections, feeds each request to the
 * {@link PresenceService}'s pipeline and writes what comes out; it suspends, resumes and closes.
 * {@link startEmulator} returns it typed as the public {@link Emulator}; specs that need to seed
 * presence in bulk use {@link EmulatorServer.keyspaces}.
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

  private readonly service: PresenceService;
  private readonly log: RequestLog;
  private readonly writer = new ReplyWriter();
  private readonly server: Server;
  private readonly connections: Connections;
  private closing: Promise<void> | undefined;
  private address: AddressInfo | undefined;
  private suspended = false;
  /** Suspend and resume, one after the other. */
  private transition: Promise<void> = Promise.resolve();

  private constructor(private readonly settings: Settings) {
    this.log = new RequestLog(settings.log);
    this.service = new PresenceService(settings, this.log);
    this.events$ = this.service.events$;
    this.requests$ = this.log.requests$;
    this.connections = new Connections(settings.maxConnections);
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
    this.server.on('connection', (socket: Socket) => this.connections.accept(socket));
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => this.onClientError(error, socket));
  }

  /** Validates `options`, listens, and resolves once the port is bound. */
  static async start(options: EmulatorOptions = {}): Promise<EmulatorServer> {
    const emulator = new EmulatorServer(settingsOf(options));
    await emulator.listen(emulator.settings.port);
    emulator.address = emulator.server.address() as AddressInfo;
    emulator.service.start();
    return emulator;
  }

  /** Presence and channel groups of every subscribe key. */
  get keyspaces(): Keyspaces {
    return this.service.keyspaces;
  }

  get port(): number {
    return this.address?.port ?? 0;
  }

  get url(): string {
    const host = this.address?.family === 'IPv6' ? `[${this.address.address}]` : this.address?.address;
    return `http://${host}:${this.port}`;
  }

  sweep(): void {
    this.service.sweep();
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
    const { keyspaces, feed } = this.service;
    return { keyspaces: keyspaces.size, eventLogs: feed.logCount(), parkedStates: keyspaces.parkedStates.size };
  }

  openConnections(): number {
    return this.connections.size;
  }

  heldSubscribes(): number {
    return this.service.subscribes.heldCount;
  }

  setFaults(faults: EmulatorFaults | undefined): void {
    this.service.setFaults(faults);
  }

  /**
   * Publishes the `interval` message of every channel in interval mode now, as the timer does
   * every `presenceIntervalMs`: for tests that do not want to wait for it. A background pass under
   * way stops here and this one publishes every channel, so the channels that pass had not reached
   * get one message, not two.
   */
  flushIntervals(): void {
    this.service.feed.tick();
  }

  /** Channels of `subscribeKey` now in interval mode (occupancy above `announceMax`). */
  intervalChannels(subscribeKey: string): string[] {
    return this.service.feed.intervalChannels(subscribeKey);
  }

  /** Held polls registered with the feed: equals {@link EmulatorServer.heldSubscribes} unless something leaked. */
  feedWatchers(): number {
    return this.service.feed.watcherCount();
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

  close(): Promise<void> {
    this.closing ??= this.transition
      .then(async () => {
        this.service.stop();
        // The graceful part: what is already on its way is answered first.
        if (!this.suspended) await this.connections.quiet();
        // Answered before the sockets go, so clients see a clean empty answer rather than a reset.
        this.service.subscribes.releaseAll();
        return this.stopListening();
      })
      .then(() => {
        this.service.complete();
        this.log.complete();
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
    // Called with an error when the server was not listening (suspended): closed all the same.
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await Promise.all([serverClosed, this.connections.destroyAll()]);
    // The responses' own `close` events (which cancel held subscribes) follow on the next ticks.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /**
   * Every request: the edge's own answers first (a connection over the cap, a CORS preflight),
   * then the service's pipeline.
   */
  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.connections.arrived();
    const request = new IncomingRequest(req.method ?? 'GET', req.url ?? '/');
    const started = this.log.start();
    // While closing, every answer ends its connection, so no keep-alive socket outlives close().
    if (this.closing !== undefined) res.setHeader('Connection', 'close');
    if (this.connections.isExcess(req.socket)) {
      this.reply(res, request, replies.tooManyConnections(), started);
    } else if (request.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      this.reply(res, request, preflightReply(req.headers['access-control-request-headers']), started);
    } else {
      this.respond(req, res, request, this.service.answer(request, this.settings.clock.now()), started);
    }
  }

  /** Carries out what the pipeline decided for `request`. */
  private respond(req: IncomingMessage, res: ServerResponse, request: IncomingRequest, outcome: Outcome, started: number): void {
    switch (outcome.kind) {
      case 'reply':
        this.writer.write(res, outcome.reply);
        if (this.log.active) this.log.answered(request, outcome.reply.status, started, outcome.fault);
        return;
      case 'held':
        this.hold(res, request, outcome, started);
        return;
      case 'drop':
        // A reset is an RST, so the client sees ECONNRESET rather than a clean end of stream. A
        // hang sends nothing; the socket stays open until the client gives up, or suspend / close.
        if (outcome.fault === 'reset') req.socket.resetAndDestroy();
        this.log.answered(request, 0, started, outcome.fault);
        return;
      case 'delayed':
        this.delay(req, res, request, outcome, started);
        return;
    }
  }

  /** A subscribe with nothing to deliver yet: answered when the poll says so. */
  private hold(res: ServerResponse, request: IncomingRequest, { poll }: Extract<Outcome, { kind: 'held' }>, started: number): void {
    // The client may give up (abort, network loss) before anything arrives: forget the poll then.
    const abandoned = (): void => {
      poll.cancel();
      this.log.abandoned(request, started);
    };
    res.once('close', abandoned);
    poll.start((reply) => {
      res.off('close', abandoned);
      this.writer.write(res, reply);
      this.log.answered(request, reply.status, started);
    });
  }

  /** An injected latency: the request waits, then goes on; a client that gives up meanwhile takes it along, unprocessed. */
  private delay(req: IncomingMessage, res: ServerResponse, request: IncomingRequest, outcome: Extract<Outcome, { kind: 'delayed' }>, started: number): void {
    const done = this.connections.delaying();
    const gone = (): void => {
      done();
      clearTimeout(timer);
    };
    const timer = setTimeout(() => {
      done();
      res.off('close', gone);
      this.respond(req, res, request, outcome.next(this.settings.clock.now()), started);
    }, outcome.ms);
    res.once('close', gone);
  }

  /** An answer of the edge's own (over the cap, a preflight): written, and recorded with the operation the path names. */
  private reply(res: ServerResponse, request: IncomingRequest, reply: Reply, started: number): void {
    this.writer.write(res, reply);
    if (this.log.active) this.log.answered(request, reply.status, started, undefined, request.operationOf());
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
    const reply = clientErrorReply(error);
    this.writer.writeRaw(socket, reply);
    // `end()` only half-closes: a client that never reads never sees it, and the socket (with its
    // connection slot) would stay for ever. So it is destroyed shortly after, whatever the client does.
    const linger = setTimeout(() => socket.destroy(), Math.min(CLIENT_ERROR_LINGER_MS, this.settings.requestTimeoutMs)).unref();
    socket.once('close', () => clearTimeout(linger));
    this.log.unparsed(reply.status, error.code);
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
