// `npm test`: the type check and jest side by side instead of one after the other. The type
// check is one CPU-bound process of some 15 s; jest spends much of its time waiting on child
// processes, sockets and timers, so the two overlap well on two cores. As before, a type error
// fails the run: it is printed, jest is stopped, and the exit code is 1. Arguments go to jest
// (`npm test -- spec/client`).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { setPriority } from 'node:os';

const require = createRequire(import.meta.url);
const tsc = spawn(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'], { stdio: ['ignore', 'pipe', 'pipe'] });
// At a lower priority: the suite is CPU-bound at its start and end but leaves the CPU partly idle
// while its workers hold specs that wait (outages, presence timeouts); the type check, which
// nothing waits for until the end, takes those idle cycles instead of competing with the specs.
try {
  setPriority(tsc.pid, 10);
} catch {
  // Not allowed here (some containers): it runs at the normal priority, as before.
}
const jest = spawn(process.execPath, [require.resolve('jest/bin/jest'), ...process.argv.slice(2)], { stdio: 'inherit' });

let typeErrors = '';
tsc.stdout.on('data', (chunk) => (typeErrors += chunk));
tsc.stderr.on('data', (chunk) => (typeErrors += chunk));
const exited = (child) => new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0))));

const [typecheck, tests] = [exited(tsc), exited(jest)];
const tscCode = await typecheck;
if (tscCode !== 0) {
  process.stderr.write(`\nnpm test: the type check failed (npm run typecheck), so jest was stopped:\n\n${typeErrors}`);
  jest.kill('SIGTERM');
  await tests;
  process.exit(1);
}
process.exit(await tests);
