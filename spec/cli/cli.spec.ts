/** @test {run} */
import { filter, firstValueFrom, type Observable } from 'rxjs';
import { startEmulator, type Emulator, type EmulatorPresenceEvent } from '../../lib/emulator';
import { run } from '../../lib/cli';
import { Keyset, Presence } from '../../lib';
import { randomKey } from '../helpers/emulator';
import { closedPort, expectOneLineError, outcome, spawnCli, type Outcome } from './helpers';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ hereNowCacheMs: 0 });
});
afterAll(() => emulator.close());

interface CliOptions {
  readonly env?: Record<string, string | undefined>;
  readonly signal?: AbortSignal;
  /** Called with everything written to stdout so far, after each write. */
  readonly onStdout?: (stdout: string) => void;
}

/** Runs the CLI in process against the emulator (origin and sub-key from the environment). */
async function cli(subscribeKey: string, args: string[], options: CliOptions = {}): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: {
      write: (text: string) => {
        stdout += text;
        options.onStdout?.(stdout);
      },
    },
    stderr: { write: (text: string) => (stderr += text) },
    env: { RX_PRESENCE_ORIGIN: emulator.url, RX_PRESENCE_SUB_KEY: subscribeKey, ...options.env },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return outcome(code, stdout, stderr);
}

/** One step of a scene: once `when(stdout)` holds, `then` sets up the next (the last step has none). */
type Step = readonly [when: (stdout: string) => boolean, then?: () => unknown];

/**
 * Runs a long-lived command through a scene: each step's action once its condition holds on
 * stdout (each happens once the previous one has been reported), then Ctrl-C (aborts its signal).
 */
async function cliScene(subscribeKey: string, args: string[], steps: readonly Step[], env?: Record<string, string>): Promise<Outcome> {
  const controller = new AbortController();
  let step = 0;
  return cli(subscribeKey, args, {
    signal: controller.signal,
    ...(env ? { env } : {}),
    onStdout: (stdout) => {
      if (step >= steps.length || !steps[step][0](stdout)) return;
      const then = steps[step++][1];
      if (then === undefined) controller.abort();
      else void then();
    },
  });
}

/** Runs a long-lived command until `until(stdout)` holds, then Ctrl-C. */
const cliUntil = (subscribeKey: string, args: string[], until: (stdout: string) => boolean, env?: Record<string, string>) => cliScene(subscribeKey, args, [[until]], env);

/** A library client on the same keyset, to set the scene the CLI looks at. */
const client = (subscribeKey: string, userId: string) =>
  new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId }), origin: emulator.url });

const nextEvent = (subscribeKey: string, action: EmulatorPresenceEvent['action'], uuid: string): Promise<EmulatorPresenceEvent> =>
  firstValueFrom((emulator.events$ as Observable<EmulatorPresenceEvent>).pipe(filter((e) => e.subscribeKey === subscribeKey && e.action === action && e.uuid === uuid)));

describe('here-now', () => {
  it('lists occupants per channel, with state on request (text and JSON)', async () => {
    const key = randomKey();
    await firstValueFrom(client(key, 'alice').announceHeartbeat({ channels: ['lobby'], state: { lobby: { mood: 'ok' } } }));
    await firstValueFrom(client(key, 'bob').announceHeartbeat({ channels: ['lobby'] }));

    const text = await cli(key, ['here-now', 'lobby']);
    expect(text.code).toBe(0);
    expect(text.lines).toEqual(['lobby  2 occupants', '  alice', '  bob', 'total: 2 occupants on 1 channel']);

    const withState = await cli(key, ['here-now', 'lobby', '--state']);
    expect(withState.lines[1]).toBe('  alice  {"mood":"ok"}');

    const json = await cli(key, ['--json', 'here-now', 'lobby', '--state']);
    expect(json.code).toBe(0);
    expect(json.json()).toEqual([
      {
        totalChannels: 1,
        totalOccupancy: 2,
        channels: { lobby: { occupancy: 2, occupants: [{ uuid: 'alice', state: { mood: 'ok' } }, { uuid: 'bob' }] } },
      },
    ]);
  });

  it('takes groups; with no channels and no groups it is global', async () => {
    const key = randomKey();
    const alice = client(key, 'alice');
    await firstValueFrom(alice.channelGroups.addChannels('cg', ['g1']));
    await firstValueFrom(alice.announceHeartbeat({ channels: ['g1', 'x'] }));

    const grouped = (await cli(key, ['--json', 'here-now', '--groups', 'cg'])).json()[0];
    expect(Object.keys(grouped!.channels as object)).toEqual(['g1']);

    const global = await cli(key, ['--json', 'here-now']);
    expect(global.code).toBe(0);
    expect(global.json()[0]).toMatchObject({ totalChannels: 2, totalOccupancy: 2 });
    expect((await cli(randomKey(), ['here-now'])).lines).toEqual(['nobody is present']);
  });
});

describe('where-now', () => {
  it('names the channels of a uuid given as argument or --uuid', async () => {
    const key = randomKey();
    await firstValueFrom(client(key, 'alice').announceHeartbeat({ channels: ['a', 'b'] }));

    const text = await cli(key, ['where-now', 'alice']);
    expect(text.code).toBe(0);
    expect(text.lines.sort()).toEqual(['a', 'b']);
    expect((await cli(key, ['--uuid', 'alice', '--json', 'where-now'])).json()).toEqual([{ uuid: 'alice', channels: expect.arrayContaining(['a', 'b']) }]);
    expect((await cli(key, ['where-now', 'nobody'])).lines).toEqual(['nobody is not present on any channel']);
  });

  it('without any uuid is a usage error: the random default identity is never anywhere', async () => {
    expectOneLineError(await cli(randomKey(), ['where-now']), 2, /^rx-presence: where-now: whose\? give where-now <uuid>, --uuid or RX_PRESENCE_UUID\n$/);
  });
});

describe('state', () => {
  it('set then get, as text and JSON', async () => {
    const key = randomKey();
    const set = await cli(key, ['--uuid', 'alice', 'state', 'set', 'lobby', '--state', '{"mood":"ok","n":1}']);
    expect(set.code).toBe(0);
    expect(set.lines).toEqual(['alice on lobby: {"mood":"ok","n":1}']);

    const get = await cli(key, ['state', 'get', 'lobby', '--uuid', 'alice']);
    expect(get.code).toBe(0);
    expect(get.lines).toEqual(['lobby  {"mood":"ok","n":1}']);
    expect((await cli(key, ['--json', '--uuid', 'alice', 'state', 'get', 'lobby'])).json()).toEqual([{ uuid: 'alice', channels: { lobby: { mood: 'ok', n: 1 } } }]);

    const setJson = await cli(key, ['--json', '--uuid', 'bob', 'state', 'set', 'a', 'b', '--state', '{"x":true}']);
    expect(setJson.json()).toEqual([{ uuid: 'bob', channels: ['a', 'b'], channelGroups: [], state: { x: true } }]);
  });

  it('rejects invalid JSON, a non-object and a missing --state with exit 2 and one line', async () => {
    const key = randomKey();
    expectOneLineError(
      await cli(key, ['state', 'set', 'lobby', '--state', '{mood: ok}']),
      2,
      /^rx-presence: state set: option '--state <json>' argument '\{mood: ok\}' is invalid\. Expected JSON: .* \(see rx-presence state set --help\)\n$/,
    );
    expectOneLineError(await cli(key, ['state', 'set', 'lobby', '--state', '[1]']), 2, /Expected a JSON object such as '\{"mood":"ok"\}', got an array/);
    expectOneLineError(await cli(key, ['state', 'set', 'lobby']), 2, /^rx-presence: state set: required option '--state <json>' not specified/);
  });

  it('a validation error of the library (no channel) is a usage error too', async () => {
    expectOneLineError(await cli(randomKey(), ['state', 'set', '--state', '{}']), 2, /^rx-presence: state set: give at least one channel or channel group\n$/);
  });
});

describe('groups', () => {
  it('add, list, list one, remove, delete (text)', async () => {
    const key = randomKey();
    expect((await cli(key, ['groups', 'list'])).lines).toEqual(['(no groups)']);
    expect((await cli(key, ['groups', 'add', 'cg1', 'a', 'b,c'])).lines).toEqual(['added a, b, c to cg1']);
    expect((await cli(key, ['groups', 'list'])).lines).toEqual(['cg1']);
    expect((await cli(key, ['groups', 'list', 'cg1'])).lines.sort()).toEqual(['a', 'b', 'c']);
    expect((await cli(key, ['groups', 'remove', 'cg1', 'b'])).lines).toEqual(['removed b from cg1']);
    expect((await cli(key, ['groups', 'list', 'cg1'])).lines.sort()).toEqual(['a', 'c']);
    const deleted = await cli(key, ['groups', 'delete', 'cg1']);
    expect(deleted).toMatchObject({ code: 0, lines: ['deleted cg1'] });
    expect((await cli(key, ['groups', 'list', 'cg1'])).lines).toEqual(['(cg1 has no channels)']);
  });

  it('speaks JSON lines', async () => {
    const key = randomKey();
    expect((await cli(key, ['--json', 'groups', 'add', 'cg1', 'a', 'b'])).json()).toEqual([{ group: 'cg1', added: ['a', 'b'] }]);
    expect((await cli(key, ['--json', 'groups', 'list'])).json()).toEqual([{ groups: ['cg1'] }]);
    expect((await cli(key, ['--json', 'groups', 'list', 'cg1'])).json()).toEqual([{ group: 'cg1', channels: ['a', 'b'] }]);
    expect((await cli(key, ['--json', 'groups', 'remove', 'cg1', 'a'])).json()).toEqual([{ group: 'cg1', removed: ['a'] }]);
    expect((await cli(key, ['--json', 'groups', 'delete', 'cg1'])).json()).toEqual([{ group: 'cg1', deleted: true }]);
  });

  it('a missing argument or subcommand is exit 2', async () => {
    expectOneLineError(await cli(randomKey(), ['groups', 'add', 'cg1']), 2, /^rx-presence: groups add: missing required argument 'channels' \(see rx-presence groups add --help\)\n$/);
    const bare = await cli(randomKey(), ['groups']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^Usage: rx-presence groups/); // help, as for a bare `git`
  });
});

describe('heartbeat', () => {
  it('stays present with state until Ctrl-C, then leaves and exits 0', async () => {
    const key = randomKey();
    const joined = nextEvent(key, 'join', 'alice');
    const left = nextEvent(key, 'leave', 'alice');
    const controller = new AbortController();
    const running = cli(key, ['--uuid', 'alice', 'heartbeat', 'lobby', 'games', '--state', '{"mood":"ok"}', '--heartbeat', '20', '--interval', '1'], {
      signal: controller.signal,
    });

    expect((await joined).data).toEqual({ mood: 'ok' });
    const here = await firstValueFrom(client(key, 'x').hereNow({ channels: ['lobby', 'games'] }));
    expect(here.totalOccupancy).toBe(2);
    controller.abort();
    const result = await running;
    expect(await left).toMatchObject({ channel: expect.any(String), occupancy: 0 });

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.lines[0]).toMatch(/^\d\d:\d\d:\d\d present on lobby, games as alice \(heartbeat 20 s, every 1 s\); Ctrl-C to leave$/);
    expect(result.lines.at(-1)).toMatch(/^\d\d:\d\d:\d\d left lobby, games$/);
    expect((await firstValueFrom(client(key, 'x').whereNow({ uuid: 'alice' }))).channels).toEqual([]);
  });

  it('speaks JSON lines: ok events, then left', async () => {
    const key = randomKey();
    const result = await cliUntil(key, ['--json', '--uuid', 'bob', 'heartbeat', 'lobby', '--heartbeat', '10', '--interval', '0.5'], (out) => out.split('\n').length > 3);
    expect(result.code).toBe(0);
    const events = result.json<{ type: string }>();
    expect(events.length).toBeGreaterThanOrEqual(4);
    expect(events.slice(0, -1).every((e) => e.type === 'ok')).toBe(true);
    expect(events[0]).toEqual({ type: 'ok', uuid: 'bob', channels: ['lobby'], channelGroups: [], timestamp: expect.any(Number) });
    expect(events.at(-1)).toEqual({ type: 'left', uuid: 'bob', channels: ['lobby'], channelGroups: [], timestamp: expect.any(Number) });
  });

  it('bad numbers and a library validation error are exit 2 with one line', async () => {
    const key = randomKey();
    expectOneLineError(await cli(key, ['heartbeat', 'lobby', '--heartbeat', '0']), 2, /^rx-presence: heartbeat: option '--heartbeat <seconds>' argument '0' is invalid\. Expected a whole number from 1 to 320\./);
    expectOneLineError(await cli(key, ['heartbeat', 'lobby', '--interval', 'soon']), 2, /argument 'soon' is invalid\. Expected a number of seconds, more than 0\./);
    expectOneLineError(await cli(key, ['heartbeat', 'lobby', '--heartbeat', '10', '--interval', '10']), 2, /^rx-presence: heartbeat: interval must be from 0\.5 s to less than heartbeat \(10 s\), got 10\n$/);
    expectOneLineError(await cli(key, ['heartbeat']), 2, /^rx-presence: heartbeat: give at least one channel or channel group\n$/);
  });
});

describe('watch', () => {
  it.concurrent('in real time by default: joins, state changes, leaves and timeouts (told apart) until Ctrl-C, then exits 0 (JSON lines)', async () => {
    const key = randomKey();
    const alice = client(key, 'alice');
    const bob = client(key, 'bob');
    await firstValueFrom(alice.announceHeartbeat({ channels: ['lobby'], heartbeat: 60 }));
    const result = await cliScene(key, ['--json', 'watch', 'lobby'], [
      [(out) => out.includes('"join"'), () => firstValueFrom(alice.setState({ mood: 'away' }, { channels: ['lobby'] }))],
      [(out) => out.includes('"state-change"'), () => firstValueFrom(alice.announceLeave({ channels: ['lobby'] }))],
      // Bob's presence times out a second after his only heartbeat: a timeout, not a leave.
      [(out) => out.includes('"leave"'), () => firstValueFrom(bob.announceHeartbeat({ channels: ['lobby'], heartbeat: 1 }))],
      [(out) => out.includes('"timeout"')],
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.json()).toEqual([
      expect.objectContaining({ action: 'join', channel: 'lobby', uuid: 'alice', occupancy: 1 }),
      expect.objectContaining({ action: 'state-change', channel: 'lobby', uuid: 'alice', occupancy: 1, state: { mood: 'away' } }),
      expect.objectContaining({ action: 'leave', channel: 'lobby', uuid: 'alice', occupancy: 0 }),
      expect.objectContaining({ action: 'join', channel: 'lobby', uuid: 'bob', occupancy: 1 }),
      expect.objectContaining({ action: 'timeout', channel: 'lobby', uuid: 'bob', occupancy: 0 }),
    ]);
  }, 15_000);

  it.concurrent('with --poll: joins, state changes and leaves from here-now polls (JSON lines)', async () => {
    const key = randomKey();
    const alice = client(key, 'alice');
    await firstValueFrom(alice.announceHeartbeat({ channels: ['lobby'], heartbeat: 60 }));
    const result = await cliScene(key, ['--json', 'watch', 'lobby', '--poll', '--interval', '3'], [
      [(out) => out.includes('"join"'), () => firstValueFrom(alice.setState({ mood: 'away' }, { channels: ['lobby'] }))],
      [(out) => out.includes('"state-change"'), () => firstValueFrom(alice.announceLeave({ channels: ['lobby'] }))],
      [(out) => out.includes('"leave"')],
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.json()).toEqual([
      { action: 'join', channel: 'lobby', uuid: 'alice', occupancy: 1, timestamp: expect.any(Number) },
      { action: 'state-change', channel: 'lobby', uuid: 'alice', occupancy: 1, timestamp: expect.any(Number), state: { mood: 'away' } },
      { action: 'leave', channel: 'lobby', uuid: 'alice', occupancy: 0, timestamp: expect.any(Number), state: { mood: 'away' } },
    ]);
  }, 15_000);

  it('prints readable lines, and says what it watches', async () => {
    const key = randomKey();
    await firstValueFrom(client(key, 'alice').announceHeartbeat({ channels: ['lobby'], state: { lobby: { mood: 'ok' } } }));
    const join = /^\d\d:\d\d:\d\d {2}join {10}lobby {2}alice {2}1 here {2}\{"mood":"ok"\}$/;
    const hereNow = /^\d\d:\d\d:\d\d {2}here now {6}lobby {2}alice \(1\)$/;
    const live = await cliUntil(key, ['watch', 'lobby'], (out) => out.includes('here now'));
    expect(live.code).toBe(0);
    expect(live.lines).toEqual(['watching lobby (real-time events); Ctrl-C to stop', expect.stringMatching(join), expect.stringMatching(hereNow)]);
    const polled = await cliUntil(key, ['watch', 'lobby', '--poll'], (out) => out.includes('here now'));
    expect(polled.lines).toEqual(['watching lobby every 5 s (polling); Ctrl-C to stop', expect.stringMatching(join), expect.stringMatching(hereNow)]);
    // The whole keyset can only be polled, and has no roster (a roster is per channel).
    const everything = await cliUntil(key, ['watch'], (out) => out.includes('join'));
    expect(everything.lines).toEqual(['watching every channel every 5 s (polling); Ctrl-C to stop', expect.stringMatching(join)]);
  });

  it.concurrent('says who is there after each change: a here-now line per changed channel', async () => {
    const key = randomKey();
    const alice = client(key, 'alice');
    const bob = client(key, 'bob');
    await firstValueFrom(alice.announceHeartbeat({ channels: ['lobby'], heartbeat: 60 }));
    const notes = (out: string) => out.split('\n').filter((line) => line.includes('here now')).length;
    const result = await cliScene(key, ['watch', 'lobby', 'games'], [
      [(out) => notes(out) === 2, () => firstValueFrom(bob.announceHeartbeat({ channels: ['lobby'], heartbeat: 60 }))],
      [(out) => notes(out) === 3, () => firstValueFrom(alice.announceLeave({ channels: ['lobby'] }))],
      [(out) => notes(out) === 4],
    ]);
    expect(result.code).toBe(0);
    expect(result.lines.filter((line) => line.includes('here now')).map((line) => line.slice(10))).toEqual([
      'here now      lobby  alice (1)',
      'here now      games  nobody',
      'here now      lobby  alice, bob (2)',
      'here now      lobby  bob (1)',
    ]);
  });

  it('fails fast on an unreachable origin instead of silently skipping polls', async () => {
    const port = await closedPort();
    expectOneLineError(await cli(randomKey(), ['watch', 'lobby'], { env: { RX_PRESENCE_ORIGIN: `http://127.0.0.1:${port}` } }), 1, /^rx-presence: watch: network failure, ECONNREFUSED \(GET /, 2);
    expectOneLineError(await cli(randomKey(), ['watch', 'lobby', '--poll', '--interval', '1']), 2, /Expected a number of seconds, at least 3\./);
    expectOneLineError(await cli(randomKey(), ['watch', 'lobby', '--interval', '5']), 2, /^rx-presence: watch: --interval is the polling interval: give --poll too\n$/);
  });
});

describe('emulator', () => {
  it('serves until Ctrl-C, printing the exact presence events (JSON lines), then exits 0', async () => {
    const controller = new AbortController();
    let url: string | undefined;
    const scene = async (base: string) => {
      const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'carol' }), origin: base });
      await firstValueFrom(presence.announceHeartbeat({ channels: ['lobby'], heartbeat: 60 }));
      await firstValueFrom(presence.announceLeave({ channels: ['lobby'] }));
    };
    const result = await cli('unused', ['--json', 'emulator', '--port', '0', '--verbose'], {
      signal: controller.signal,
      onStdout: (out) => {
        if (url === undefined) {
          url = (JSON.parse(out.split('\n')[0]!) as { url: string }).url;
          void scene(url);
        }
        if (out.includes('"action":"leave"') && out.split('\n').filter((l) => l.includes('"type":"request"')).length >= 2) controller.abort();
      },
    });
    expect(result.code).toBe(0);
    const records = result.json<{ type: string }>();
    expect(records[0]).toEqual({ type: 'listening', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), port: expect.any(Number) });
    expect(records.filter((r) => r.type === 'event')).toEqual([
      expect.objectContaining({ action: 'join', channel: 'lobby', uuid: 'carol', subscribeKey: 'demo' }),
      expect.objectContaining({ action: 'leave', channel: 'lobby', uuid: 'carol', occupancy: 0 }),
    ]);
    expect(records.filter((r) => r.type === 'request')).toEqual([
      { type: 'request', method: 'GET', path: '/v2/presence/sub-key/demo/channel/lobby/heartbeat', status: 200, operation: 'heartbeat' },
      { type: 'request', method: 'GET', path: '/v2/presence/sub-key/demo/channel/lobby/leave', status: 200, operation: 'leave' },
    ]);
  });

  it('injects faults: a request the faults cover fails, and a bad --faults is a usage error', async () => {
    const controller = new AbortController();
    let url: string | undefined;
    let failed: Outcome | undefined;
    const result = await cli('unused', ['--json', 'emulator', '--port', '0', '--faults', '{"seed":1,"errorRate":1,"errorStatuses":[403],"operations":["whereNow"]}'], {
      signal: controller.signal,
      onStdout: (out) => {
        if (url !== undefined) return;
        url = (JSON.parse(out.split('\n')[0]!) as { url: string }).url;
        void cli('demo', ['--origin', url, 'where-now', 'alice']).then((r) => {
          failed = r;
          controller.abort();
        });
      },
    });
    expect(result.code).toBe(0);
    expectOneLineError(failed!, 1, /^rx-presence: where-now: whereNow failed: 403/);
    expectOneLineError(await cli('unused', ['emulator', '--port', '0', '--faults', '{"errorRate":2}']), 2, /errorRate/);
  });

  it('a port in use is exit 1 with one line', async () => {
    expectOneLineError(await cli('unused', ['emulator', '--port', String(emulator.port)]), 1, new RegExp(`^rx-presence: emulator: cannot listen on 127\\.0\\.0\\.1:${emulator.port}: .*EADDRINUSE`));
  });
});

describe('usage and failures', () => {
  it('an unknown option, command or bad origin is exit 2 with one line', async () => {
    const key = randomKey();
    expectOneLineError(await cli(key, ['here-now', 'lobby', '--bogus']), 2, /^rx-presence: here-now: unknown option '--bogus' \(see rx-presence here-now --help\)\n$/);
    expectOneLineError(await cli(key, ['frob']), 2, /^rx-presence: unknown command 'frob' \(see rx-presence --help\)\n$/);
    expectOneLineError(await cli(key, ['here-now'], { env: { RX_PRESENCE_ORIGIN: 'localhost:8090' } }), 2, /^rx-presence: here-now: --origin must be an http\(s\) URL such as http:\/\/127\.0\.0\.1:8090, got "localhost:8090"\n$/);
    expectOneLineError(await cli(key, ['here-now'], { env: { RX_PRESENCE_SUB_KEY: undefined } }), 2, /^rx-presence: here-now: no subscribe key: pass --sub-key or set RX_PRESENCE_SUB_KEY\n$/);
    expectOneLineError(await cli(key, ['--uuid', 'x'.repeat(93), 'here-now']), 2, /^rx-presence: here-now: --uuid: a user id must be a string of 1 to 92 characters/);
  });

  it('an unreachable origin is exit 1 with one line; secrets never appear', async () => {
    const port = await closedPort();
    const result = await cli(randomKey(), ['--origin', `http://127.0.0.1:${port}`, '--auth-key', 'AUTH-VALUE', '--secret-key', 'SECRET-VALUE', 'here-now', 'lobby']);
    expectOneLineError(result, 1, /^rx-presence: here-now: network failure, ECONNREFUSED \(GET \/v2\/presence\/sub-key\/sub-c-[\w-]+\/channel\/lobby\?/, 2);
    // Each retry announced on stderr as it happens: the reason without the URL, the coming attempt's number.
    expect(result.stderr.split('\n').slice(0, 2)).toEqual([
      expect.stringMatching(/^rx-presence: here-now: retrying hereNow \(attempt 2\) in 0\.\d s: network failure, ECONNREFUSED$/),
      expect.stringMatching(/^rx-presence: here-now: retrying hereNow \(attempt 3\) in 0\.\d s: network failure, ECONNREFUSED$/),
    ]);
    expect(result.stderr).toContain('auth=***');
    expect(result.stderr).not.toMatch(/AUTH-VALUE|SECRET-VALUE/);
  });

  it('flags win over the environment', async () => {
    const key = randomKey();
    await firstValueFrom(client(key, 'alice').announceHeartbeat({ channels: ['lobby'] }));
    const result = await cli('not-this-key', ['--sub-key', key, '--origin', emulator.url, 'where-now', 'alice'], { env: { RX_PRESENCE_ORIGIN: 'http://127.0.0.1:1' } });
    expect(result).toMatchObject({ code: 0, lines: ['lobby'] });
  });

  it('--help and --version exit 0 on stdout', async () => {
    const help = await cli('k', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: rx-presence \[options\] \[command\]/);
    for (const command of ['here-now', 'where-now', 'watch', 'heartbeat', 'state', 'groups', 'emulator']) expect(help.stdout).toContain(command);
    expect((await cli('k', ['heartbeat', '--help'])).stdout).toMatch(/--state <json>[\s\S]*Global Options:[\s\S]*--secret-key/);
    expect(await cli('k', ['--version'])).toMatchObject({ code: 0, lines: ['0.1.0'] });
  });

  it('Ctrl-C during a one-shot command is exit 130', async () => {
    const controller = new AbortController();
    controller.abort();
    expectOneLineError(await cli(randomKey(), ['here-now', 'lobby'], { signal: controller.signal }), 130, /^rx-presence: here-now: interrupted\n$/);
  });
});

describe('the bin entry, as a child process', () => {
  it('npx tsx lib/cli/index.ts: JSON here-now, and a one-line failure with exit 1', async () => {
    const key = randomKey();
    await firstValueFrom(client(key, 'alice').announceHeartbeat({ channels: ['lobby'] }));
    const ok = await spawnCli('npx', ['--json', 'here-now', 'lobby'], { RX_PRESENCE_ORIGIN: emulator.url, RX_PRESENCE_SUB_KEY: key });
    expect(ok.code).toBe(0);
    expect(ok.json()).toEqual([{ totalChannels: 1, totalOccupancy: 1, channels: { lobby: { occupancy: 1, occupants: [{ uuid: 'alice' }] } } }]);

    const port = await closedPort();
    const failed = await spawnCli('npx', ['--origin', `http://127.0.0.1:${port}`, '--sub-key', key, 'here-now', 'lobby'], {});
    expectOneLineError(failed, 1, /^rx-presence: here-now: network failure, ECONNREFUSED \(GET /, 2);
  }, 30_000);

  it('heartbeat leaves on SIGINT and exits 0', async () => {
    const key = randomKey();
    const left = nextEvent(key, 'leave', 'dora');
    let interrupted = false;
    // node itself rather than npx or tsx's wrapper: both re-raise a SIGINT, hiding the CLI's exit code.
    const result = await spawnCli(
      'node',
      ['--uuid', 'dora', 'heartbeat', 'lobby', '--heartbeat', '30', '--interval', '5'],
      { RX_PRESENCE_ORIGIN: emulator.url, RX_PRESENCE_SUB_KEY: key },
      // Once: a second Ctrl-C after the handlers are gone would kill the process (as it should).
      (stdout, pid) => !interrupted && stdout.includes('present on') && (interrupted = process.kill(pid, 'SIGINT')),
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.lines.at(-1)).toMatch(/left lobby$/);
    expect(await left).toMatchObject({ channel: 'lobby', uuid: 'dora' });
  }, 30_000);
});
