#!/usr/bin/env node
/**
 * The `rx-presence` command line: here-now, where-now, watch, heartbeat, state, groups and the
 * local emulator, for looking at presence without writing code. {@link run} is the whole CLI as
 * a function (arguments and streams in, exit code out), so specs drive it in process.
 *
 * @example
 * ```ts
 * // $ npx rx-presence emulator &
 * // $ npx rx-presence --origin http://127.0.0.1:8090 --sub-key demo --uuid alice heartbeat lobby &
 * // $ npx rx-presence --origin http://127.0.0.1:8090 --sub-key demo here-now lobby
 * // lobby  1 occupant
 * //   alice
 * // total: 1 occupant on 1 channel
 * import { run } from './lib/cli';
 * process.exitCode = await run(['--sub-key', 'demo', 'here-now', 'lobby'], { stdout: process.stdout, stderr: process.stderr, env: process.env });
 * ```
 *
 * @packageDocumentation
 */
import { processIo } from './io';
import { run } from './run';

export { run } from './run';
export { processIo, type CliIo, type Writable } from './io';
export { EXIT } from './errors';

/** Grace after `run` resolves before exiting regardless (a stray keep-alive socket or timer). */
const EXIT_GRACE_MS = 2000;

if (require.main === module) {
  const { io, dispose } = processIo();
  void run(process.argv.slice(2), io).then((code) => {
    dispose();
    // exitCode rather than exit(): a piped stdout may still be flushing.
    process.exitCode = code;
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  });
}
