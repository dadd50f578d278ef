import { Command, InvalidArgumentError } from 'commander';
import { startEmulator, type Emulator, type EmulatorFaults, type EmulatorPresenceEvent } from '../../emulator';
import { FaultInjector } from '../../emulator/faults';
import { CommandFailedError } from '../errors';
import { clock, stateText } from '../format';
import { untilAborted } from '../invocation';
import type { CliIo } from '../io';
import { Output } from '../output';
import { jsonObject, wholeNumber } from '../parse';

/**
 * The emulator's default port, as `rx-presence-emulator`'s.
 *
 * @example
 * ```ts
 * // $ rx-presence emulator          # http://127.0.0.1:8090
 * await startEmulator({ port: EMULATOR_PORT });
 * ```
 */
export const EMULATOR_PORT = 8090;

interface EmulatorCommandOptions {
  readonly port: number;
  readonly host: string;
  readonly cacheMs?: number;
  readonly presenceTimeout?: number;
  readonly announceMax?: number;
  readonly subscribeTimeoutMs?: number;
  readonly maxChannels?: number;
  readonly maxConnections?: number;
  readonly faults?: EmulatorFaults;
  readonly verbose?: boolean;
}

/** `--faults '<json>'`: checked by the emulator's own rules now, so a mistake is a usage error. */
function faultsArgument(text: string): EmulatorFaults {
  const faults = jsonObject(text) as EmulatorFaults;
  try {
    new FaultInjector(faults);
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
  return faults;
}

/**
 * One emulator event as a human line. Unlike `watch`, these are exact: a `timeout` is a timeout.
 *
 * @example
 * ```ts
 * emulatorEventLine({ subscribeKey: 'demo', channel: 'lobby', action: 'timeout', uuid: 'carol', occupancy: 0, timestamp: 1_900_000_000 });
 * // '05:46:40  timeout       demo/lobby  carol  0 here'
 * ```
 */
export function emulatorEventLine(event: EmulatorPresenceEvent): string {
  const where = `${event.subscribeKey}/${event.channel}`;
  return `${clock(event.timestamp * 1000)}  ${event.action.padEnd(12)}  ${where}  ${event.uuid}  ${event.occupancy} here  ${stateText(event.data)}`.trimEnd();
}

/**
 * `rx-presence emulator [--port N] [--host H] [--cache-ms N] [--verbose]`: runs the local
 * presence emulator until Ctrl-C, printing every presence event it produces (and, with
 * `--verbose`, every request). Any subscribe key works; nothing needs signing.
 *
 * @example
 * ```ts
 * // $ rx-presence emulator --port 8090
 * // rx-presence emulator listening on http://127.0.0.1:8090; Ctrl-C to stop
 * // 14:03:27  join          demo/lobby  alice  1 here
 * program.addCommand(emulatorCommand(io));
 * ```
 */
export function emulatorCommand(io: CliIo): Command {
  return new Command('emulator')
    .summary('run the local presence emulator until Ctrl-C')
    .option('--port <n>', 'TCP port; 0 picks a free one', wholeNumber(0, 65535), EMULATOR_PORT)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--cache-ms <ms>', 'here-now answer cache, as the service (0 turns it off; default 3000)', wholeNumber(0, 86_400_000))
    .option('--presence-timeout <s>', 'presence timeout of a heartbeat without one, seconds (default 300)', wholeNumber(1, 86_400))
    .option('--announce-max <n>', 'occupancy above which a channel sends interval events (default 20)', wholeNumber(0, 1_000_000))
    .option('--subscribe-timeout-ms <ms>', 'how long a subscribe long-poll is held (default 280000)', wholeNumber(1, 86_400_000))
    .option('--max-channels <n>', 'channels and groups per request (default 500)', wholeNumber(1, 1_000_000))
    .option('--max-connections <n>', 'concurrent connections (default 1024)', wholeNumber(1, 1_000_000))
    .option('--faults <json>', 'inject faults, deterministic under a seed, e.g. \'{"seed":7,"errorRate":0.2}\'', faultsArgument)
    .option('--verbose', 'also print every request')
    .action(async (options: EmulatorCommandOptions, command: Command) => {
      const out = new Output(io, command.optsWithGlobals<{ json?: boolean }>().json === true);
      let emulator: Emulator;
      try {
        emulator = await startEmulator({
          port: options.port,
          host: options.host,
          ...(options.cacheMs === undefined ? {} : { hereNowCacheMs: options.cacheMs }),
          ...(options.presenceTimeout === undefined ? {} : { defaultPresenceTimeout: options.presenceTimeout }),
          ...(options.announceMax === undefined ? {} : { announceMax: options.announceMax }),
          ...(options.subscribeTimeoutMs === undefined ? {} : { subscribeTimeoutMs: options.subscribeTimeoutMs }),
          ...(options.maxChannels === undefined ? {} : { maxChannelsPerRequest: options.maxChannels }),
          ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
          ...(options.faults === undefined ? {} : { faults: options.faults }),
        });
      } catch (error) {
        throw new CommandFailedError(`cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`, { cause: error });
      }
      try {
        out.result({ type: 'listening', url: emulator.url, port: emulator.port }, () => `rx-presence emulator listening on ${emulator.url}; Ctrl-C to stop`);
        emulator.events$.subscribe((event) => out.result({ type: 'event', ...event }, () => emulatorEventLine(event)));
        if (options.verbose === true) {
          // Method, path and outcome only: the query holds `auth` and `signature` values.
          emulator.requests$.subscribe(({ method, path, status, operation }) =>
            out.result({ type: 'request', method, path, status, operation }, () => `${clock(Date.now())}  ${status} ${method} ${path} (${operation})`),
          );
        }
        await untilAborted(io.signal);
      } finally {
        await emulator.close();
      }
    });
}
