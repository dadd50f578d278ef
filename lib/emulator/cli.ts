#!/usr/bin/env node
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EMULATOR_FLAGS, emulatorFlagHelp, emulatorFlagSyntax, emulatorOptionsOf, parseEmulatorFlag, startEmulator, type Emulator, type EmulatorCliOptions } from './index';

const NAME = 'rx-presence-emulator';

/** The flags, and `-h, --help`, as `parseArgs` takes them. */
const PARSE_OPTIONS: NonNullable<ParseArgsConfig['options']> = Object.fromEntries([
  ...EMULATOR_FLAGS.map((flag) => [flag.name, { type: flag.type === 'switch' ? 'boolean' : 'string', ...(flag.short === undefined ? {} : { short: flag.short }) }] as const),
  ['help', { type: 'boolean', short: 'h' }] as const,
]);

/** Columns the help is wrapped to. */
const HELP_COLUMNS = 100;

/** `text` in lines of at most `columns`, broken at spaces. */
const wrap = (text: string, columns: number): string[] => {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > columns) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
};

const usage = (): string => {
  const rows = [...EMULATOR_FLAGS.map((flag) => [emulatorFlagSyntax(flag), emulatorFlagHelp(flag)] as const), ['-h, --help', 'show this help'] as const];
  const indent = Math.max(...rows.map(([syntax]) => syntax.length)) + 4;
  const lines = rows.flatMap(([syntax, help]) =>
    wrap(help, HELP_COLUMNS - indent).map((part, i) => (i === 0 ? `  ${syntax}`.padEnd(indent) : ' '.repeat(indent)) + part),
  );
  return [`Usage: ${NAME} [options]`, '', ...lines].join('\n');
};

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

/**
 * Reads the command line into the emulator's options (see `EMULATOR_FLAGS`); `undefined` means
 * "print help".
 *
 * @example
 * ```ts
 * optionsFromArgs(['--port', '0', '--cache-ms', '0']); // { port: 0, host: '127.0.0.1', hereNowCacheMs: 0, verbose: false }
 * ```
 */
export function optionsFromArgs(args: readonly string[]): EmulatorCliOptions | undefined {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...args], strict: true, allowPositionals: false, options: PARSE_OPTIONS }) as { values: Record<string, string | boolean | undefined> });
  } catch (error) {
    // parseArgs' messages are clear but some span lines; the contract is one line.
    throw new UsageError((error as Error).message.replace(/\s*\n\s*/g, ' '));
  }
  if (values.help === true) return undefined;
  const parsed: Record<string, unknown> = {};
  for (const flag of EMULATOR_FLAGS) {
    const value = values[flag.name];
    try {
      parsed[flag.name] = typeof value === 'string' ? parseEmulatorFlag(flag, value) : value;
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  return emulatorOptionsOf(parsed);
}

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
    io.out(usage());
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
