import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * `close()` waits until no request or connection has arrived for this long (and no delayed answer
 * is pending) before it stops listening: a request a client sent just before `close()` (the leave
 * of an ended `heartbeat$`, say) is then answered instead of reset and retried against a closed port.
 */
const CLOSE_QUIET_MS = 20;
/** The longest `close()` waits for that quiet. */
const CLOSE_DRAIN_MS = 1000;

/**
 * The server's open sockets: the connection cap (sockets beyond `max` are marked excess: their
 * first request is answered 503 and they are closed), the arrivals and delayed answers `close()`
 * waits out, and destroying them all.
 *
 * @example
 * ```ts
 * const connections = new Connections(1024);
 * server.on('connection', (socket) => connections.accept(socket));
 * await connections.quiet(); // on close: nothing arrived for a moment, no delayed answer pending
 * ```
 */
export class Connections {
  private readonly sockets = new Set<Socket>();
  /** Sockets beyond the cap. */
  private readonly excess = new Set<Socket>();
  /** When (performance.now()) the last request or connection arrived. */
  private lastArrival = 0;
  /** Answers waiting on an injected latency. */
  private delayed = 0;

  constructor(private readonly max: number) {}

  /** Sockets open now (keep-alive ones included). */
  get size(): number {
    return this.sockets.size;
  }

  /** A new connection: counted, and marked excess when the cap is reached. */
  accept(socket: Socket): void {
    this.arrived();
    // Counted against the cap: sockets not marked excess.
    if (this.sockets.size - this.excess.size >= this.max) this.excess.add(socket);
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.excess.delete(socket);
    });
  }

  /** Something arrived (a connection or a request): `close()` waits for quiet after it. */
  arrived(): void {
    this.lastArrival = performance.now();
  }

  /** Whether `socket` is beyond the cap. */
  isExcess(socket: Socket): boolean {
    return this.excess.size > 0 && this.excess.has(socket);
  }

  /** An answer starts waiting on an injected latency; call the function returned when it stops. */
  delaying(): () => void {
    this.delayed++;
    let done = false;
    return () => {
      if (!done) this.delayed--;
      done = true;
    };
  }

  /**
   * Resolves once nothing has arrived for {@link CLOSE_QUIET_MS} and no delayed answer is pending,
   * at most {@link CLOSE_DRAIN_MS} from now. Each wait ends in the event loop's check phase, after
   * the poll phase has read whatever reached the sockets meanwhile, so a request that arrived
   * during a busy moment is seen before we give up.
   */
  async quiet(): Promise<void> {
    const started = performance.now();
    this.lastArrival = Math.max(this.lastArrival, started);
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const now = performance.now();
      const quietFor = now - this.lastArrival;
      if (now - started >= CLOSE_DRAIN_MS || (quietFor >= CLOSE_QUIET_MS && this.delayed === 0)) return;
      const wait = Math.max(1, Math.min(CLOSE_QUIET_MS - quietFor, started + CLOSE_DRAIN_MS - now));
      await new Promise<void>((resolve) => setTimeout(resolve, wait));
    }
  }

  /** Destroys every socket; resolves once each has closed. */
  async destroyAll(): Promise<void> {
    const closed = [...this.sockets].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(closed);
  }
}
