import { Command } from 'commander';
import { DEFAULT_ORIGIN, VERSION } from '../index';
import { ENV } from './client';
import { wholeNumber } from './parse';
import { emulatorCommand } from './commands/emulator';
import { groupsCommand } from './commands/groups';
import { heartbeatCommand } from './commands/heartbeat';
import { hereNowCommand } from './commands/here-now';
import { stateCommand } from './commands/state';
import { watchCommand } from './commands/watch';
import { whereNowCommand } from './commands/where-now';
import type { CliIo } from './io';

/**
 * The `rx-presence` command tree. A fresh one per {@link run}: commander keeps parsed values on
 * the command objects, so sharing one between runs would leak options from one to the next.
 *
 * @example
 * ```ts
 * const program = buildProgram(io);
 * await program.parseAsync(['--sub-key', 'demo', 'here-now', 'lobby'], { from: 'user' });
 * ```
 */
export function buildProgram(io: CliIo): Command {
  const program = new Command('rx-presence')
    .description('PubNub-style presence from a terminal: who is here, watch them come and go, be present yourself.')
    .version(VERSION)
    .option('--origin <url>', `service origin, e.g. an emulator's http://127.0.0.1:8090 (env ${ENV.origin}; default ${DEFAULT_ORIGIN})`)
    .option('--sub-key <key>', `subscribe key (env ${ENV.subKey})`)
    .option('--pub-key <key>', `publish key (env ${ENV.pubKey})`)
    .option('--uuid <uuid>', `the user id to act as, and whose presence where-now / state get read (env ${ENV.uuid}; default random)`)
    .option('--auth-key <key>', `Access Manager auth key or token (env ${ENV.authKey})`)
    .option('--secret-key <key>', `secret key: signs every request, never printed (env ${ENV.secretKey}, safer than a flag)`)
    .option('--json', 'JSON lines on stdout instead of text')
    .option('--timeout <ms>', 'the longest one attempt of a request may take, in ms (default 15000; each call tries up to 3 times, each retry announced on stderr)', wholeNumber(1, 3_600_000))
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 the operation failed (service or network; for heartbeat, also a leave that failed), 2 usage error.\n' +
        'Example: rx-presence emulator & rx-presence --origin http://127.0.0.1:8090 --sub-key demo watch lobby',
    );
  for (const command of [
    hereNowCommand(io),
    whereNowCommand(io),
    watchCommand(io),
    heartbeatCommand(io),
    stateCommand(io),
    groupsCommand(io),
    emulatorCommand(io),
  ]) {
    program.addCommand(command);
  }
  return program;
}
