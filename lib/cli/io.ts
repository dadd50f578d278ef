import { Observable } from 'rxjs';

/**
 * Anything a CLI can write text to: `process.stdout`, a test's string collector, …
 *
 * @example
 * ```ts
 * let text = '';
 * const collector: Writable = { write: (chunk) => (text += chunk) };
 * ```
 */
export interface Writable {
  /** Writes `text` as is; the CLI ends every line with `\n` itself. */
  write(text: string): unknown;
}

/**
 * Where {@link run} reads and writes, so that the whole CLI runs in a test without a child process.
 *
 * @example
 * ```ts
 * const out: string[] = [];
 * const controller = new AbortController();
 * const io: CliIo = {
 *   stdout: { write: (t) => out.push(t) },
 *   stderr: { write: (t) => out.push(t) },
 *   env: { RX_PRESENCE_SUB_KEY: 'demo' },
 *   signal: controller.signal, // abort() is the test's Ctrl-C
 * };
 * ```
 */
export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Environment the `RX_PRESENCE_*` fallbacks are read from. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Ctrl-C. Long-running commands (`heartbeat`, `watch`, `emulator`) end cleanly when it aborts;
   * a one-shot command is interrupted (exit 130). Without one, nothing interrupts them.
   */
  readonly signal?: AbortSignal;
}

/**
 * The real process's streams and environment, with an `AbortSignal` that SIGINT and SIGTERM
 * abort. Installing the handlers replaces Node's default "die at once", which is what lets
 * `heartbeat` still announce its leave; every wait after the abort is bounded, so the process
 * always ends.
 *
 * @example
 * ```ts
 * const { io, dispose } = processIo();
 * const code = await run(process.argv.slice(2), io);
 * dispose();
 * ```
 */
export function processIo(): { io: CliIo; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `rx-presence watch | head -3`: the reader went away, which ends a long command like Ctrl-C.
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') controller.abort();
  };
  process.stdout.on('error', onStdoutError);
  return {
    io: { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal },
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.stdout.off('error', onStdoutError);
    },
  };
}

/**
 * Emits once and completes when the signal aborts (at once if it already has); never without
 * one. For `takeUntil` and for awaiting Ctrl-C.
 *
 * @example
 * ```ts
 * events$.pipe(takeUntil(aborted(io.signal))).subscribe(print);
 * ```
 */
export function aborted(signal: AbortSignal | undefined): Observable<void> {
  return new Observable<void>((subscriber) => {
    if (signal === undefined) return undefined;
    const fire = () => {
      subscriber.next();
      subscriber.complete();
    };
    if (signal.aborted) {
      fire();
      return undefined;
    }
    signal.addEventListener('abort', fire, { once: true });
    return () => signal.removeEventListener('abort', fire);
  });
}
