#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { FaultInjector } from './faults';
import { startEmulator } from './server';
import type { Emulator, EmulatorFaults, EmulatorOptions } from './types';

const NAME = 'rx-presence-emulator';

const USAGE = `Usage: ${NAME} [--port 8090] [--host 127.0.0.1] [--cache-ms 3000] [--presence-timeout 300]
       [--announce-max 20] [--presence-interval-ms 10000] [--subscribe-timeout-ms 280000]
       [--event-buffer-size 1000] [--max-channels 500] [--max-connections 1024]
       [--faults '<json>'] [--verbose]

  -p, --port N                  TCP port (default 8090; 0 picks a free one)
      --host HOST               interface to bind (default 127.0.0.1)
      --cache-ms N              here-now response cache in ms (default 3000; 0 turns it off)
      --presence-timeout N      seconds of presence for a heartbeat without "heartbeat" (default 300)
      --announce-max N          occupancy above which a channel sends interval events (default 20)
      --presence-interval-ms N  period of interval events in ms (default 10000)
      --subscribe-timeout-ms N  how long a subscribe long-poll is held in ms (default 280000)
      --event-buffer-size N     presence events kept per channel for catch-up (default 1000)
      --max-channels N          most channels plus groups one request may name (default 500)
      --max-connections N       connections served at once; more get 503 and are closed (default 1024)
      --faults JSON             inject faults, e.g. '{"seed":7,"errorRate":0.2,"latencyMs":[10,200]}'
                                (fields: seed, operations, latencyMs, errorRate, errorStatuses,
                                retryAfterSeconds, resetRate, hangRate, truncateRate, garbageRate,
                                false200Rate; off by default)
  -v, --verbose                 log one line per request
  -h, --help                    show this help`;

/**
 * Where the CLI writes and how it stops; the real process by default, fakes in specs.
 *
 * @example
 * ```ts
 * const io: CliIo = { out: console.log, err: console.error, exit: () => {}, onShutdown: () => {} };
 * await main(['--port', '0'], io);
 * ```
 */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  exit(code: number): void;
  /** Registers the shutdown handler for SIGINT and SIGTERM. */
  onShutdown(handler: () => void): void;
}

const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  exit: (code) => process.exit(code),
  onShutdown: (handler) => {
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
  },
};

/** Thrown for arguments we cannot use; `main` prints its message on one line and exits 2. */
class UsageError extends Error {}

const whole = (flag: string, text: string | undefined, min: number, max: number): number | undefined => {
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return value;
};

/**
 * Reads the command line into {@link EmulatorOptions}; `undefined` means "print help".
 *
 * @example
 * ```ts
 * optionsFromArgs(['--port', '0', '--cache-ms', '0']); // { port: 0, host: '127.0.0.1', hereNowCacheMs: 0, … }
 * ```
 */
export function optionsFromArgs(args: readonly string[]): (EmulatorOptions & { verbose: boolean }) | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        'cache-ms': { type: 'string' },
        'presence-timeout': { type: 'string' },
        'announce-max': { type: 'string' },
        'presence-interval-ms': { type: 'string' },
        'subscribe-timeout-ms': { type: 'string' },
        'event-buffer-size': { type: 'string' },
        'max-channels': { type: 'string' },
        'max-connections': { type: 'string' },
        faults: { type: 'string' },
        verbose: { type: 'boolean', short: 'v', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    // parseArgs' messages are clear but some span lines; the contract is one line.
    throw new UsageError((error as Error).message.replace(/\s*\n\s*/g, ' '));
  }
  if (values.help) return undefined;
  if (values.host === '') throw new UsageError('--host must not be empty');
  return {
    port: whole('port', values.port, 0, 65535) ?? 8090,
    host: values.host ?? '127.0.0.1',
    hereNowCacheMs: whole('cache-ms', values['cache-ms'], 0, 86_400_000),
    defaultPresenceTimeout: whole('presence-timeout', values['presence-timeout'], 1, 86_400),
    announceMax: whole('announce-max', values['announce-max'], 0, 1_000_000_000),
    presenceIntervalMs: whole('presence-interval-ms', values['presence-interval-ms'], 1, 86_400_000),
    subscribeTimeoutMs: whole('subscribe-timeout-ms', values['subscribe-timeout-ms'], 1, 86_400_000),
    eventBufferSize: whole('event-buffer-size', values['event-buffer-size'], 1, 10_000_000),
    maxChannelsPerRequest: whole('max-channels', values['max-channels'], 1, 1_000_000),
    maxConnections: whole('max-connections', values['max-connections'], 1, 1_000_000),
    faults: faultsOf(values.faults),
    verbose: values.verbose,
  };
}

/** `--faults '<json>'`: parsed and checked here, so a mistake is a usage error rather than a start failure. */
const faultsOf = (text: string | undefined): EmulatorFaults | undefined => {
  if (text === undefined) return undefined;
  let faults: EmulatorFaults;
  try {
    faults = JSON.parse(text) as EmulatorFaults;
  } catch {
    throw new UsageError(`--faults must be a JSON object, got ${JSON.stringify(text.slice(0, 80))}`);
  }
  try {
    new FaultInjector(faults);
  } catch (error) {
    throw new UsageError(`--faults: ${(error as Error).message}`);
  }
  return faults;
};

/**
 * Runs the CLI: starts the emulator, prints where it listens, logs requests with `--verbose`, and
 * closes cleanly on Ctrl-C or SIGTERM (exit 0). Bad arguments print one line and exit 2; a port
 * that cannot be bound prints one line and exits 1.
 *
 * @example
 * ```ts
 * // $ rx-presence-emulator --port 8090 --verbose
 * // rx-presence emulator listening on http://127.0.0.1:8090
 * await main(['--port', '8090', '--verbose']);
 * ```
 */
export async function main(args: readonly string[], io: CliIo = processIo): Promise<Emulator | undefined> {
  let options;
  try {
    options = optionsFromArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${NAME}: ${error.message} (see --help)`);
    io.exit(2);
    return undefined;
  }
  if (!options) {
    io.out(USAGE);
    io.exit(0);
    return undefined;
  }
  const { verbose, ...emulatorOptions } = options;
  let emulator: Emulator;
  try {
    emulator = await startEmulator({ ...emulatorOptions, log: verbose ? io.out : undefined });
  } catch (error) {
    io.err(`${NAME}: cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`);
    io.exit(1);
    return undefined;
  }
  io.out(`rx-presence emulator listening on ${emulator.url}`);
  if (options.faults !== undefined) io.out(`injecting faults: ${JSON.stringify(options.faults)}`);
  io.onShutdown(() => {
    void emulator.close().then(() => io.exit(0));
  });
  return emulator;
}

if (require.main === module) void main(process.argv.slice(2));
