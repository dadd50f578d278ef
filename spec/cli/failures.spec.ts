/**
 * The CLI when the service fails it: a leave that fails is a failure (exit 1, with its reason),
 * `--timeout` bounds each attempt, and every retry shows as a progress line on stderr. The bin
 * runs as a child process where signals or wall-clock waits matter; the specs that wait run
 * concurrently.
 */
import { filter, firstValueFrom } from 'rxjs';
import { Keyset, Presence } from '../../lib';
import { run } from '../../lib/cli';
import { startEmulator, type EmulatorPresenceEvent } from '../../lib/emulator';
import { randomKey } from '../helpers/emulator';
import { closedPort, EMULATOR_ENTRY, expectOneLineError, hangingServer, outcome, RETRY_LINE, spawnCli, type Outcome } from './helpers';

/** Runs the CLI in process until `until(stdout)` holds, then Ctrl-C. */
async function cliUntil(args: string[], until: (stdout: string) => boolean | Promise<boolean>): Promise<Outcome> {
  const controller = new AbortController();
  let stdout = '';
  let stderr = '';
  let checking = false;
  const code = await run(args, {
    stdout: {
      write: (text: string) => {
        stdout += text;
        if (checking) return;
        checking = true;
        void Promise.resolve(until(stdout)).then((done) => (done ? controller.abort() : (checking = false)));
      },
    },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    signal: controller.signal,
  });
  return outcome(code, stdout, stderr);
}

describe('heartbeat: a failed leave is a failure', () => {
  it.concurrent('the service gone when leaving (SIGINT to the bin): the leave retried with progress, then exit 1 with the reason', async () => {
    const emulator = await startEmulator();
    const key = randomKey();
    let interrupted = false;
    const result = await spawnCli('node', ['--origin', emulator.url, '--sub-key', key, '--uuid', 'erin', 'heartbeat', 'lobby', '--heartbeat', '20', '--interval', '5'], {}, (stdout, pid) => {
      if (interrupted || !stdout.includes('present on')) return;
      interrupted = true;
      // Ctrl-C once the service is gone: same port, nothing listening (ECONNREFUSED).
      void emulator.suspend().then(() => process.kill(pid, 'SIGINT'));
    });
    await emulator.close();

    expect(result.lines).toEqual([expect.stringMatching(/ present on lobby as erin /)]); // no "left lobby"
    expectOneLineError(
      { ...result, stdout: '' },
      1,
      /^rx-presence: heartbeat: leave failed: network failure, ECONNREFUSED \(GET \/v2\/presence\/sub-key\/sub-c-[\w-]+\/channel\/lobby\/leave\?.*\); still present on lobby until the presence timeout \(20 s\)\n$/,
      2,
    );
    expect(result.stderr).toMatch(/^rx-presence: heartbeat: retrying leave \(attempt 2\) in 0\.\d s: network failure, ECONNREFUSED\n/);
  }, 30_000);

  it.concurrent('an unreachable origin: failed heartbeats are reported, the leave fails, exit 1 (JSON lines on stdout)', async () => {
    const port = await closedPort();
    const result = await cliUntil(
      ['--origin', `http://127.0.0.1:${port}`, '--sub-key', randomKey(), '--json', 'heartbeat', 'lobby', '--heartbeat', '10', '--interval', '0.5'],
      (stdout) => stdout.includes('"type":"failed"'),
    );
    expect(result.code).toBe(1);
    expect(result.json()[0]).toMatchObject({ type: 'failed', attempt: 1, error: { category: 'network' } });
    expect(result.json().some((line) => line.type === 'left')).toBe(false);
    const stderr = result.stderr.trimEnd().split('\n');
    expect(stderr.slice(0, -1).every((line) => RETRY_LINE.test(line))).toBe(true);
    expect(stderr.at(-1)).toMatch(/^rx-presence: heartbeat: leave failed: network failure, ECONNREFUSED \(GET .*\/leave\?.*\); still present on lobby until the presence timeout \(10 s\)$/);
  });

  it.concurrent('a leave left unanswered: exit 1 once the wait (3 s) is over', async () => {
    const emulator = await startEmulator({ faults: { operations: ['leave'], hangRate: 1 } });
    const key = randomKey();
    const joined = firstValueFrom(emulator.events$.pipe(filter((event: EmulatorPresenceEvent) => event.subscribeKey === key && event.action === 'join')));
    const result = await cliUntil(['--origin', emulator.url, '--sub-key', key, '--uuid', 'finn', 'heartbeat', 'lobby', '--heartbeat', '30'], () => joined.then(() => true));
    await emulator.close();

    expect(result.code).toBe(1);
    expect(result.lines).toEqual([expect.stringMatching(/ present on lobby as finn /)]);
    expect(result.stderr).toBe('rx-presence: heartbeat: leave not answered within 3 s; still present on lobby until the presence timeout (30 s)\n');
  });
});

describe('watch: health changes on stderr', () => {
  it.concurrent('through an outage (the service suspended, then back): `reconnecting (attempt n): …`, then `reconnected`, events still on stdout', async () => {
    const emulator = await startEmulator();
    const key = randomKey();
    const alice = new Presence({ defaultKeyset: new Keyset({ subscribeKey: key, userId: 'alice' }), origin: emulator.url });
    await firstValueFrom(alice.announceHeartbeat({ channels: ['lobby'], heartbeat: 60 }));
    const controller = new AbortController();
    let stdout = '';
    let stderr = '';
    let step = 0;
    const code = await run(['--origin', emulator.url, '--sub-key', key, 'watch', 'lobby'], {
      stdout: {
        write: (text: string) => {
          stdout += text;
          if (step === 0 && stdout.includes(' join ')) {
            step = 1;
            void emulator.suspend();
          } else if (step === 2 && stdout.includes(' leave ')) controller.abort();
        },
      },
      stderr: {
        write: (text: string) => {
          stderr += text;
          if (step === 1 && stderr.includes('reconnecting')) {
            step = 2;
            // Back, and alice leaves meanwhile: the catch-up tells of it once reconnected.
            void emulator.resume().then(() => firstValueFrom(alice.announceLeave({ channels: ['lobby'] })));
          }
        },
      },
      env: {},
      signal: controller.signal,
    });
    await emulator.close();

    expect(code).toBe(0);
    const health = stderr.trimEnd().split('\n');
    expect(health[0]).toMatch(/^rx-presence: watch: reconnecting \(attempt 2\): network failure, ECONN(RESET|REFUSED)$/); // the held long-poll cut, or the next refused
    expect(health.slice(1, -1).every((line) => /^rx-presence: watch: reconnecting \(attempt \d+\): /.test(line))).toBe(true);
    expect(health.at(-1)).toBe('rx-presence: watch: reconnected');
    expect(stdout).toMatch(/ {2}join {10}lobby {2}alice {2}1 here\n/);
    expect(stdout).toMatch(/ {2}leave {9}lobby {2}alice {2}0 here\n/);
  }, 20_000);
});

describe('--timeout and progress', () => {
  it.concurrent('--timeout 1000 against a server that never answers: each attempt ends after 1 s, each retry shown, exit 1', async () => {
    const server = await hangingServer();
    try {
      const result = await spawnCli('node', ['--origin', server.url, '--sub-key', randomKey(), '--timeout', '1000', 'here-now', 'lobby'], {});
      expectOneLineError(result, 1, /^rx-presence: here-now: no response within 1000 ms \(GET \/v2\/presence\/sub-key\/sub-c-[\w-]+\/channel\/lobby\?/, 2);
      expect(result.stderr.split('\n').slice(0, 2)).toEqual([
        expect.stringMatching(/^rx-presence: here-now: retrying hereNow \(attempt 2\) in 0\.\d s: no response within 1000 ms$/),
        expect.stringMatching(/^rx-presence: here-now: retrying hereNow \(attempt 3\) in 0\.\d s: no response within 1000 ms$/),
      ]);
      expect(server.requests()).toBe(3);
    } finally {
      await server.close();
    }
  }, 30_000);

  it('--timeout takes a whole number of milliseconds', async () => {
    const io = () => {
      let stderr = '';
      return { io: { stdout: { write: () => true }, stderr: { write: (t: string) => (stderr += t) }, env: { RX_PRESENCE_SUB_KEY: 'k' } }, stderr: () => stderr };
    };
    for (const value of ['0', '1.5', 'soon']) {
      const { io: cliIo, stderr } = io();
      expect(await run(['--timeout', value, 'here-now'], cliIo)).toBe(2);
      expect(stderr()).toMatch(/^rx-presence: option '--timeout <ms>' argument '.*' is invalid\. Expected a whole number from 1 to 3600000\./);
    }
  });
});

describe('both emulator commands', () => {
  /** The flags of a help text's own options (not the global ones `rx-presence` adds below them). */
  const ownFlags = (help: string): string[] => {
    const own = help.split(/\nGlobal Options:\n/)[0]!;
    return [...new Set([...own.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map(([flag]) => flag))].sort();
  };

  it.concurrent('--help of `rx-presence emulator` and of `rx-presence-emulator` list the same flags (the real bins)', async () => {
    const [command, bin] = await Promise.all([spawnCli('node', ['emulator', '--help'], {}), spawnCli('node', ['--help'], {}, undefined, EMULATOR_ENTRY)]);
    expect(command.code).toBe(0);
    expect(bin.code).toBe(0);
    expect(ownFlags(command.stdout)).toEqual(ownFlags(bin.stdout));
    expect(ownFlags(bin.stdout)).toEqual(expect.arrayContaining(['--port', '--host', '--faults', '--keysets', '--help']));
  }, 30_000);
});
