/** What the CLI specs share: outcomes, the bin as a child process, and servers that fail. */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runChild } from '../helpers/child';

export const ROOT = join(__dirname, '..', '..');
/** The `rx-presence` bin, from source. */
export const ENTRY = 'lib/cli/index.ts';
/** The `rx-presence-emulator` bin, from source. */
export const EMULATOR_ENTRY = 'lib/emulator/cli.ts';

/** How a CLI run ended. */
export interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout's lines. */
  readonly lines: string[];
  /** stdout's lines, each parsed as JSON. */
  json<T = Record<string, unknown>>(): T[];
}

export const outcome = (code: number, stdout: string, stderr: string): Outcome => {
  const lines = stdout.split('\n').filter((line) => line !== '');
  return { code, stdout, stderr, lines, json: <T>() => lines.map((line) => JSON.parse(line) as T) };
};

/**
 * Runs `npx tsx <entry> …`, or with `node`, `node --import tsx <entry> …`: one process, so its
 * exit code is the CLI's own (tsx's wrapper answers a relayed SIGINT with 130 whatever the child
 * returned). `onStdout` may signal the child.
 */
export function spawnCli(
  command: 'npx' | 'node',
  args: readonly string[],
  env: Record<string, string>,
  onStdout?: (stdout: string, pid: number) => void,
  entry = ENTRY,
): Promise<Outcome> {
  const argv = [...(command === 'npx' ? ['tsx'] : ['--import', 'tsx']), entry, ...args];
  return runChild(command === 'npx' ? 'npx' : process.execPath, argv, env, onStdout).then((run) => outcome(run.code ?? -1, run.stdout, run.stderr));
}

/** A port on 127.0.0.1 that nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server that accepts every request and never answers; `close()` drops the connections. */
export async function hangingServer(): Promise<{ readonly url: string; readonly requests: () => number; close(): Promise<void> }> {
  let requests = 0;
  const server: Server = createHttpServer(() => void requests++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A progress line on stderr: a one-shot call (or a leave) about to be retried. */
export const RETRY_LINE = /^rx-presence: [\w -]+: retrying \w+ \(attempt \d+\) in \d+\.\d s: .+$/;

/**
 * The rule for every failure: its reason in exactly one line, last on stderr, no stack trace,
 * nothing on stdout; before it, only the `retries` progress lines of the retries made.
 */
export function expectOneLineError(result: Outcome, code: number, pattern: RegExp, retries = 0): void {
  expect(result.code).toBe(code);
  expect(result.stderr.endsWith('\n')).toBe(true);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(retries + 1);
  for (const line of lines.slice(0, -1)) expect(line).toMatch(RETRY_LINE);
  expect(`${lines.at(-1)}\n`).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stdout).toBe('');
}
