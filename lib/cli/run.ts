import { Command, CommanderError } from 'commander';
import { EXIT, exitCodeOf, oneLine } from './errors';
import { commandPath } from './invocation';
import type { CliIo } from './io';
import { buildProgram } from './program';

/**
 * Gives every command in the tree our output and error handling: commander throws instead of
 * calling `process.exit`, writes through `io`, and leaves error messages to {@link run}, which
 * prints them as one line. `onError` learns which command a parse error belongs to.
 */
function configureTree(command: Command, io: CliIo, onError: (command: Command) => void): void {
  command
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: () => onError(command),
    })
    .configureHelp({ showGlobalOptions: true });
  for (const sub of command.commands) configureTree(sub, io, onError);
}

/**
 * Runs the `rx-presence` CLI on `argv` (without `node` and the script) and resolves to the exit
 * code: 0 ok, 1 the operation failed (the service or the network said no), 2 usage error (bad
 * flag or value, invalid JSON, a validation error), 130 a one-shot command interrupted by
 * `io.signal`. Every error is one line on `io.stderr`, `rx-presence: <command>: <reason>`; never a
 * stack trace. Long-running commands end cleanly, exit 0, when `io.signal` aborts.
 *
 * @example
 * ```ts
 * import { run } from './lib/cli';
 *
 * const out: string[] = [];
 * const io = { stdout: { write: (t: string) => out.push(t) }, stderr: process.stderr, env: {} };
 * const code = await run(['--origin', emulator.url, '--sub-key', 'demo', '--json', 'here-now', 'lobby'], io);
 * // code === 0, JSON.parse(out[0]).channels.lobby.occupancy === 0
 * ```
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  // Where the error happened, for its message: the command whose parse failed, or whose action ran.
  let current: Command | undefined;
  const program = buildProgram(io);
  configureTree(program, io, (command) => (current = command));
  program.hook('preAction', (_program, actionCommand) => {
    current = actionCommand;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      // Help shown because a command was missing (`rx-presence groups`): it is on stderr already.
      if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const where = current === undefined ? '' : commandPath(current);
    const hint = error instanceof CommanderError ? ` (see rx-presence ${where}${where === '' ? '' : ' '}--help)` : '';
    io.stderr.write(`rx-presence: ${where === '' ? '' : `${where}: `}${oneLine(error)}${hint}\n`);
    return exitCodeOf(error);
  }
}
