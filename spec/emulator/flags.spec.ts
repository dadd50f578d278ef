/**
 * Both emulator binaries, `rx-presence-emulator` (parseArgs) and `rx-presence emulator`
 * (commander), are built from one flag table: they list the same flags, accept each with the same
 * limits, and start the emulator with the same options. And every option that makes sense on a
 * command line has a flag.
 */
import { CommanderError, type Command } from 'commander';
import { emulatorCommand, emulatorCommandOptions } from '../../lib/cli/commands/emulator';
import type { CliIo as CommandIo } from '../../lib/cli/io';
import { EMULATOR_FLAGS, type EmulatorFlag, type EmulatorOptions } from '../../lib/emulator';
import { main, optionsFromArgs, type CliIo } from '../../lib/emulator/cli';

/**
 * Which options have a flag. Typed against `EmulatorOptions`, so a new option fails the typecheck
 * until it is listed here (and, when it makes sense on a command line, given a flag).
 */
const ON_THE_COMMAND_LINE = {
  port: true,
  host: true,
  hereNowCacheMs: true,
  defaultPresenceTimeout: true,
  clock: false, // a function
  keysets: true,
  requestTimeoutMs: true,
  signatureWindowSeconds: true,
  rejectReplayedSignatures: true,
  log: false, // a function; `--verbose` turns it on
  subscribeTimeoutMs: true,
  announceMax: true,
  presenceIntervalMs: true,
  eventBufferSize: true,
  maxChannelsPerRequest: true,
  maxConnections: true,
  maxChannelsPerGroup: true,
  maxParkedStates: true,
  eventRetentionMs: true,
  faults: true,
} satisfies Record<keyof Required<EmulatorOptions>, boolean>;

const binIo = (): { io: CliIo; out: string[]; err: string[] } => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (line) => out.push(line), err: (line) => err.push(line), exit: () => undefined, onShutdown: () => undefined }, out, err };
};

const commandIo: CommandIo = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} };

/** `rx-presence emulator`, parsing only: its action (which would start the emulator) replaced. */
const command = (): Command =>
  emulatorCommand(commandIo)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .action(() => undefined);

const commandOptions = (args: readonly string[]) => {
  const parsed = command();
  parsed.parse([...args], { from: 'user' });
  return emulatorCommandOptions(parsed);
};

/** Every `--flag` a help text lists. */
const flagsIn = (help: string): string[] => [...new Set([...help.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map(([flag]) => flag))].sort();

/** A value each flag accepts, and what the option becomes. */
const sample = (flag: EmulatorFlag): { args: string[]; value: unknown } => {
  switch (flag.type) {
    case 'whole':
      return { args: [`--${flag.name}`, String(flag.max)], value: flag.max };
    case 'text':
      return { args: [`--${flag.name}`, 'localhost'], value: 'localhost' };
    case 'json':
      return flag.option === 'keysets'
        ? { args: [`--${flag.name}`, '[{"subscribeKey":"k","secretKey":"s"}]'], value: [{ subscribeKey: 'k', secretKey: 's' }] }
        : { args: [`--${flag.name}`, '{"seed":3,"errorRate":0.5}'], value: { seed: 3, errorRate: 0.5 } };
    case 'switch':
      return { args: [`--${flag.name}`], value: flag.sets ?? true };
  }
};

it('both --help list the same flags: the table and --help', async () => {
  const { io, out } = binIo();
  await main(['--help'], io);
  const table = [...EMULATOR_FLAGS.map((flag) => `--${flag.name}`), '--help'].sort();

  expect(flagsIn(out.join('\n'))).toEqual(table);
  expect(flagsIn(command().helpInformation())).toEqual(table);
});

it('every option that makes sense on a command line has exactly one flag', () => {
  const flagged = EMULATOR_FLAGS.flatMap((flag) => (flag.option === undefined ? [] : [flag.option])).sort();
  const wanted = Object.entries(ON_THE_COMMAND_LINE).flatMap(([option, wanted]) => (wanted ? [option] : [])).sort();
  expect(flagged).toEqual(wanted);
});

describe.each(EMULATOR_FLAGS.map((flag) => [`--${flag.name}`, flag] as const))('%s', (_name, flag) => {
  it('both accept it and give the emulator the same options', () => {
    const { args, value } = sample(flag);
    const fromBin = optionsFromArgs(args);
    const fromCommand = commandOptions(args);

    expect(fromBin).toEqual(fromCommand);
    if (flag.option === undefined) expect(fromBin).toMatchObject({ [flag.name]: true });
    else expect(fromBin?.[flag.option]).toEqual(value);
  });

  if (flag.type === 'whole') {
    it('both refuse a value out of its range, with the same message', () => {
      const args = [`--${flag.name}`, String(flag.max! + 1)];
      const message = `--${flag.name} must be a whole number from ${flag.min} to ${flag.max}, got "${flag.max! + 1}"`;

      expect(() => optionsFromArgs(args)).toThrow(message);
      expect(() => commandOptions(args)).toThrow(CommanderError);
      expect(() => commandOptions(args)).toThrow(message);
    });
  }

  if (flag.type === 'json') {
    it('both refuse a value the emulator would refuse', () => {
      const args = [`--${flag.name}`, flag.option === 'keysets' ? '[{"subscribeKey":""}]' : '{"errorRate":2}'];

      expect(() => optionsFromArgs(args)).toThrow(`--${flag.name}: `);
      expect(() => commandOptions(args)).toThrow(`--${flag.name}: `);
    });
  }
});

it('with no flags, both listen on 127.0.0.1:8090 and leave every other option to the emulator', () => {
  const expected = { port: 8090, host: '127.0.0.1', verbose: false };
  expect(optionsFromArgs([])).toEqual(expected);
  expect(commandOptions([])).toEqual(expected);
});
