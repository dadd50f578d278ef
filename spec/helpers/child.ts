import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** How a child process ended, with all it printed. */
export interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs `command args…` from the repository root with stdout and stderr piped (so programs print
 * plain lines), `env` over this process's. `onStdout` sees stdout so far after each chunk, and the
 * child's pid, so that it may signal it.
 */
export function runChild(command: string, args: readonly string[], env: Record<string, string> = {}, onStdout?: (stdout: string, pid: number) => void): Promise<ChildRun> {
  const started = Date.now();
  const child = spawn(command, args, { cwd: join(__dirname, '..', '..'), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onStdout?.(stdout, child.pid!);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started })));
}
