import { Command, InvalidArgumentError, Option } from 'commander';
import {
  EMULATOR_FLAGS,
  emulatorFlagHelp,
  emulatorFlagSyntax,
  emulatorOptionsOf,
  parseEmulatorFlag,
  startEmulator,
  type Emulator,
  type EmulatorCliOptions,
  type EmulatorFlag,
  type EmulatorPresenceEvent,
} from '../../emulator';
import { CommandFailedError } from '../errors';
import { clock, stateText } from '../format';
import { untilAborted } from '../invocation';
import type { CliIo } from '../io';
import { Output } from '../output';

/** `flag` as a commander option: its syntax, help and checks from the emulator's flag table. */
const optionOf = (flag: EmulatorFlag): Option => {
  const option = new Option(emulatorFlagSyntax(flag).trim().replace(/ ([A-Z]+)$/, ' <$1>'), emulatorFlagHelp(flag));
  if (flag.type === 'switch') return option;
  return option.argParser((text: string) => {
    try {
      return parseEmulatorFlag(flag, text);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  });
};

/**
 * The emulator's options from a parsed `rx-presence emulator` command line.
 *
 * @example
 * ```ts
 * const command = emulatorCommand(io);
 * command.parse(['--port', '0'], { from: 'user' }); // (with the action replaced, in a spec)
 * emulatorCommandOptions(command); // { port: 0, host: '127.0.0.1', verbose: false }
 * ```
 */
export function emulatorCommandOptions(command: Command): EmulatorCliOptions {
  const parsed = command.opts<Record<string, unknown>>();
  const options = new Map(command.options.map((option) => [option.long, option.attributeName()] as const));
  return emulatorOptionsOf(Object.fromEntries(EMULATOR_FLAGS.map((flag) => [flag.name, parsed[options.get(`--${flag.name}`) ?? flag.name]])));
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
 * `rx-presence emulator [flags]`: runs the local presence emulator until Ctrl-C, printing every
 * presence event it produces (and, with `--verbose`, every request). Its flags are the emulator's
 * flag table (`EMULATOR_FLAGS`), as `rx-presence-emulator`'s. By default any subscribe key works
 * and nothing needs signing.
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
  const command = new Command('emulator').summary('run the local presence emulator until Ctrl-C');
  for (const flag of EMULATOR_FLAGS) command.addOption(optionOf(flag));
  return command.action(async (_options: unknown, self: Command) => {
    const out = new Output(io, self.optsWithGlobals<{ json?: boolean }>().json === true);
    const { verbose, ...options } = emulatorCommandOptions(self);
    let emulator: Emulator;
    try {
      emulator = await startEmulator(options);
    } catch (error) {
      throw new CommandFailedError(`cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`, { cause: error });
    }
    try {
      out.result({ type: 'listening', url: emulator.url, port: emulator.port }, () => `rx-presence emulator listening on ${emulator.url}; Ctrl-C to stop`);
      emulator.events$.subscribe((event) => out.result({ type: 'event', ...event }, () => emulatorEventLine(event)));
      if (verbose) {
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
