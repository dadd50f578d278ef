/** The emulator CLI's subscribe options. */
import { main, optionsFromArgs, type CliIo } from '../../lib/emulator/cli';
import { subscribeOnce, subscribePath } from '../helpers/emulator';

it('reads --announce-max, --presence-interval-ms, --subscribe-timeout-ms and --event-buffer-size', () => {
  expect(
    optionsFromArgs([
      '--announce-max', '0', '--presence-interval-ms', '500', '--subscribe-timeout-ms', '1000', '--event-buffer-size', '10',
    ]),
  ).toMatchObject({ announceMax: 0, presenceIntervalMs: 500, subscribeTimeoutMs: 1000, eventBufferSize: 10 });
  expect(optionsFromArgs([])).toMatchObject({
    announceMax: undefined, presenceIntervalMs: undefined, subscribeTimeoutMs: undefined, eventBufferSize: undefined,
  });
});

it.each([
  [['--subscribe-timeout-ms', '0'], '--subscribe-timeout-ms must be a whole number from 1 to 86400000, got "0"'],
  [['--announce-max', 'many'], '--announce-max must be a whole number from 0 to 1000000000, got "many"'],
  [['--event-buffer-size', '0'], '--event-buffer-size must be a whole number from 1 to 10000000, got "0"'],
])('%j → one line on stderr, exit 2', async (args, message) => {
  const err: string[] = [];
  const exits: number[] = [];
  const io: CliIo = { out: () => undefined, err: (line) => err.push(line), exit: (code) => exits.push(code), onShutdown: () => undefined };

  await main(args, io);

  expect(err).toEqual([`rx-presence-emulator: ${message} (see --help)`]);
  expect(exits).toEqual([2]);
});

it('--subscribe-timeout-ms reaches the server', async () => {
  const io: CliIo = { out: () => undefined, err: () => undefined, exit: () => undefined, onShutdown: () => undefined };
  const emulator = (await main(['--port', '0', '--subscribe-timeout-ms', '150'], io))!;
  try {
    const { t } = await subscribeOnce(emulator, subscribePath('demo', ['a-pnpres'], { uuid: 'u' }));
    const started = Date.now();
    expect(await subscribeOnce(emulator, subscribePath('demo', ['a-pnpres'], { uuid: 'u', tt: t.t }))).toEqual({ t, m: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  } finally {
    await emulator.close();
  }
});
