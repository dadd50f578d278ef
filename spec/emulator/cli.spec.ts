/** `rx-presence-emulator`: arguments, output, shutdown. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { main, optionsFromArgs, type CliIo } from '../../lib/emulator/cli';
import { startEmulator } from '../../lib/emulator';

const fakeIo = () => {
  const io = {
    out: [] as string[],
    err: [] as string[],
    exits: [] as number[],
    shutdown: undefined as (() => void) | undefined,
  };
  const cli: CliIo = {
    out: (line) => io.out.push(line),
    err: (line) => io.err.push(line),
    exit: (code) => io.exits.push(code),
    onShutdown: (handler) => (io.shutdown = handler),
  };
  return { io, cli };
};

describe('optionsFromArgs', () => {
  it('reads every option', () => {
    expect(optionsFromArgs(['--port', '0', '--host', '::1', '--cache-ms', '0', '--presence-timeout', '20', '-v'])).toEqual({
      port: 0, host: '::1', hereNowCacheMs: 0, defaultPresenceTimeout: 20, verbose: true,
    });
    expect(optionsFromArgs([])).toEqual({
      port: 8090, host: '127.0.0.1', hereNowCacheMs: undefined, defaultPresenceTimeout: undefined, verbose: false,
    });
    expect(optionsFromArgs(['--help'])).toBeUndefined();
  });
});

describe('main', () => {
  it.each([
    [['--port', 'eighty'], '--port must be a whole number from 0 to 65535, got "eighty"'],
    [['--port', '70000'], '--port must be a whole number from 0 to 65535, got "70000"'],
    [['--cache-ms=-1'], '--cache-ms must be a whole number from 0 to 86400000, got "-1"'],
    [['--cache-ms', '-1'], "Option '--cache-ms' argument is ambiguous. Did you forget"],
    [['--presence-timeout', '0'], '--presence-timeout must be a whole number from 1 to 86400, got "0"'],
    [['--bogus'], "Unknown option '--bogus'"],
    [['--port'], "Option '-p, --port <value>' argument missing"],
    [['stray'], "Unexpected argument 'stray'"],
  ])('%j → one line on stderr, exit 2', async (args, message) => {
    const { io, cli } = fakeIo();

    expect(await main(args, cli)).toBeUndefined();

    expect(io.err).toHaveLength(1);
    expect(io.err[0]).toContain(`rx-presence-emulator: ${message}`);
    expect(io.err[0]).not.toContain('\n');
    expect(io.exits).toEqual([2]);
  });

  it('--help prints usage and exits 0', async () => {
    const { io, cli } = fakeIo();
    await main(['-h'], cli);
    expect(io.out[0]).toMatch(/^Usage: rx-presence-emulator/);
    expect(io.exits).toEqual([0]);
  });

  it('prints the URL, logs requests with --verbose (credentials redacted), and exits 0 on shutdown', async () => {
    const { io, cli } = fakeIo();
    const emulator = await main(['--port', '0', '--verbose'], cli);
    expect(emulator).toBeDefined();
    expect(io.out).toEqual([`rx-presence emulator listening on ${emulator!.url}`]);

    await (await fetch(`${emulator!.url}/v2/presence/sub-key/demo/channel/a/heartbeat?uuid=me&auth=SECRET-TOKEN&signature=v2.SIG`)).text();
    expect(io.out[1]).toMatch(/^GET \/v2\/presence\/sub-key\/demo\/channel\/a\/heartbeat\?uuid=me&auth=\*\*\*&signature=\*\*\* → 200 heartbeat /);
    expect(io.out.join('\n')).not.toMatch(/SECRET-TOKEN|v2\.SIG/);

    io.shutdown!();
    await new Promise((resolve) => setImmediate(resolve));
    await emulator!.close();
    expect(io.exits).toEqual([0]);
  });

  it('a port already in use → one line, exit 1', async () => {
    const taken = await startEmulator();
    try {
      const { io, cli } = fakeIo();
      await main(['--port', String(taken.port)], cli);
      expect(io.err).toEqual([expect.stringMatching(/^rx-presence-emulator: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/)]);
      expect(io.exits).toEqual([1]);
    } finally {
      await taken.close();
    }
  });
});

describe('the executable', () => {
  it('starts, answers, and exits 0 on SIGINT', async () => {
    const root = join(__dirname, '..', '..');
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'lib/emulator/cli.ts'), '--port', '0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        output += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });

    expect((await fetch(`${url}/time/0`)).status).toBe(200);
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  }, 15_000);
});
