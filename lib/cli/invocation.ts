import type { Command } from 'commander';
import { firstValueFrom, merge, mergeMap, throwError, type Observable } from 'rxjs';
import type { Presence, PresenceError } from '../index';
import { clientSettings, createClient, ENV, type ClientHooks, type ClientSettings, type GlobalOptions } from './client';
import { InterruptedError, oneLine, UsageError } from './errors';
import { aborted, type CliIo } from './io';
import { Output } from './output';

/**
 * What a command's action works with: the client its global options describe, where to write,
 * and the raw options (for the few commands that need to know what was given explicitly).
 *
 * @example
 * ```ts
 * .action(async (channels: string[], _options: object, command: Command) => {
 *   const { presence, out } = invocation(command, io);
 *   out.result(await once(presence.whereNow(), io.signal), () => 'done');
 * });
 * ```
 */
export interface Invocation {
  readonly presence: Presence;
  readonly settings: ClientSettings;
  readonly globals: GlobalOptions;
  readonly out: Output;
  /** Writes a progress line on stderr, named after the command (`rx-presence: watch: …`). */
  readonly progress: (line: string) => void;
}

/**
 * `groups add` for the `add` command under `groups`; `''` for the program itself: how messages
 * name the command.
 *
 * @example
 * ```ts
 * `rx-presence: ${commandPath(command)}: interrupted`;
 * ```
 */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * A retry as a progress line for stderr: `retrying hereNow (attempt 2) in 0.3 s: no response
 * within 1000 ms`. The reason without its `(GET …)` URL: the final error line has it.
 *
 * @example
 * ```ts
 * io.stderr.write(`rx-presence: here-now: ${retryLine(error, 2, 250)}\n`);
 * ```
 */
export function retryLine(error: PresenceError, attempt: number, delayMs: number): string {
  return `retrying ${error.details.operation} (attempt ${attempt}) in ${(delayMs / 1000).toFixed(1)} s: ${shortReason(error)}`;
}

/**
 * An error's reason for a progress or status line: one line, without the `(GET …)` URL that the
 * final error line carries.
 *
 * @example
 * ```ts
 * shortReason(error); // 'network failure, ECONNREFUSED'
 * ```
 */
export function shortReason(error: unknown): string {
  return oneLine(error).replace(/ \(GET [^)]*\)$/, '');
}

/**
 * Resolves the global options of the command being run (flags, then `RX_PRESENCE_*`) into a
 * client whose retries are announced on stderr (with `--json` too: stdout stays data only).
 * `hooks` hear of them too, and of each leave's outcome.
 *
 * @example
 * ```ts
 * const { presence, settings, out } = invocation(command, io);
 * ```
 */
export function invocation(command: Command, io: CliIo, hooks: ClientHooks = {}): Invocation {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const settings = clientSettings(globals, io.env);
  const where = commandPath(command);
  const progress = (line: string) => io.stderr.write(`rx-presence: ${where}: ${line}\n`);
  const onRetry: ClientHooks['onRetry'] = (error, attempt, delayMs) => {
    progress(retryLine(error, attempt, delayMs));
    hooks.onRetry?.(error, attempt, delayMs);
  };
  return { presence: createClient(settings, { ...hooks, onRetry }), settings, globals, out: new Output(io, globals.json === true), progress };
}

/**
 * The uuid the user named with `--uuid` or `RX_PRESENCE_UUID`. Commands that read someone's
 * presence need one: the random default identity is never present anywhere, so its answer
 * would always be an empty, misleading "nobody".
 *
 * @example
 * ```ts
 * const uuid = positional ?? namedUuid(invocation(command, io), io, 'where-now <uuid>');
 * ```
 */
export function namedUuid({ globals }: Invocation, io: CliIo, usage: string): string {
  const uuid = globals.uuid ?? io.env[ENV.uuid];
  if (uuid === undefined || uuid === '') throw new UsageError(`whose? give ${usage}, --uuid or ${ENV.uuid}`);
  return uuid;
}

/**
 * The first value of a one-shot operation; Ctrl-C unsubscribes (which aborts the request) and
 * rejects with an {@link InterruptedError}.
 *
 * @example
 * ```ts
 * const result = await once(presence.hereNow({ channels: ['lobby'] }), io.signal);
 * ```
 */
export function once<T>(source$: Observable<T>, signal: AbortSignal | undefined): Promise<T> {
  const interrupted$ = aborted(signal).pipe(mergeMap(() => throwError(() => new InterruptedError())));
  return firstValueFrom(merge(source$, interrupted$));
}

/**
 * Resolves on Ctrl-C; never without a signal.
 *
 * @example
 * ```ts
 * await untilAborted(io.signal);
 * ```
 */
export function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    aborted(signal).subscribe({ complete: resolve });
  });
}
