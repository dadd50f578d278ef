import { CommanderError } from 'commander';
import { isPresenceError } from '../index';

/**
 * A command line we cannot act on (bad number, invalid JSON, missing key). Exit code 2.
 *
 * @example
 * ```ts
 * throw new UsageError('--state is not valid JSON: Unexpected token } in JSON at position 9');
 * ```
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * An operation that failed outside the presence client (the emulator could not listen). Exit code 1.
 *
 * @example
 * ```ts
 * throw new CommandFailedError('cannot listen on 127.0.0.1:8090: listen EADDRINUSE', { cause: error });
 * ```
 */
export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
}

/**
 * A one-shot command cut short by Ctrl-C. Exit code 130, the shell's convention for SIGINT.
 *
 * @example
 * ```ts
 * throw new InterruptedError();
 * ```
 */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor() {
    super('interrupted');
  }
}

/**
 * Exit codes of the `rx-presence` CLI.
 *
 * @example
 * ```ts
 * if ((await run(['--sub-key', 'demo', 'here-now', 'lobby'], io)) === EXIT.failed) console.error('service unreachable?');
 * ```
 */
export const EXIT = {
  ok: 0,
  /** The service (or the network) said no. */
  failed: 1,
  /** The command line is wrong: unknown option, bad number or JSON, a validation error. */
  usage: 2,
  /** Ctrl-C during a one-shot command. */
  interrupted: 130,
} as const;

/**
 * The exit code an error means.
 *
 * @example
 * ```ts
 * exitCodeOf(new UsageError('bad')); // 2
 * ```
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof InterruptedError) return EXIT.interrupted;
  if (error instanceof UsageError || error instanceof CommanderError) return EXIT.usage;
  if (isPresenceError(error)) return error.category === 'validation' ? EXIT.usage : EXIT.failed;
  return EXIT.failed;
}

/**
 * The error as one line, without the prefix the library or commander put in front of it (the
 * CLI prints its own: `rx-presence: here-now: …`). A multi-line message (a malformed response
 * lists its issues) keeps its first issue and counts the rest, so stderr stays greppable.
 *
 * @example
 * ```ts
 * oneLine(new UsageError('--port must be a whole number, got "x"')); // '--port must be a whole number, got "x"'
 * ```
 */
export function oneLine(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  if (isPresenceError(error)) {
    // The library names its operation (`hereNow: …`); the CLI names the command instead.
    const prefix = `${error.details.operation}: `;
    if (message.startsWith(prefix)) message = message.slice(prefix.length);
  } else if (error instanceof CommanderError) {
    message = message.replace(/^error: /, '');
  } else if (!(error instanceof UsageError || error instanceof CommandFailedError || error instanceof InterruptedError)) {
    // Not one of ours: a bug or an unexpected runtime failure. Still one line, but say so.
    message = `unexpected ${error instanceof Error ? error.name : 'error'}: ${message}`;
  }
  const [first = '', second, ...rest] = message.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  if (second === undefined) return first;
  return `${first}: ${second}${rest.length > 0 ? ` (and ${rest.length} more)` : ''}`;
}
