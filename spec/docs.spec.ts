import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// `npm run docs` must build without a warning: every export documented, every referenced type
// exported, every link resolvable. Validation only (`--emit none`), so nothing is written; and
// without typedoc's own type check (`--skipErrorChecking`): `npm run typecheck` does that, once.
it('the API docs build without warnings', async () => {
  const typedoc = join(__dirname, '..', 'node_modules', 'typedoc', 'bin', 'typedoc');
  const { stdout, stderr } = await run(process.execPath, [typedoc, '--logLevel', 'Warn', '--emit', 'none', '--skipErrorChecking'], {
    cwd: join(__dirname, '..'),
    timeout: 120_000,
  });
  expect(`${stdout}${stderr}`.replace(/\x1b\[[0-9;]*m/g, '').trim()).toBe('');
}, 150_000);
