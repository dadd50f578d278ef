/**
 * Instruction counts per call, a measure that other load on the machine does not move (the
 * machine the bench runs on is shared): run this under callgrind twice, with two call counts, and
 * divide the difference in instructions by the difference in calls. Startup, module loading and
 * warm-up are the same in both runs and cancel out. The emulator runs in another process, outside
 * valgrind. Slow: valgrind runs node some 50 times slower (about 100 s for 100 calls with
 * start-up on the 2-core machine), so keep the call counts small.
 *
 *   npm run build
 *   for n in 100 400; do
 *     valgrind --tool=callgrind --callgrind-out-file=/tmp/ci.$n node --require tsx/cjs \
 *       bench/tools/client-instructions.ts ours $n 100 2>&1 | grep 'refs:'
 *   done
 *
 * Variants: `bare` (cross-fetch + JSON.parse, the peer of the client-overhead case), `signal`
 * (the same with a platform AbortSignal), `iterate` (the body read by iterating node-fetch's Node
 * stream, as the transport did before issue 16), `ours` (`firstValueFrom(presence.hereNow(…))`),
 * and `ours-heartbeat` / `bare-heartbeat`.
 */
import crossFetch from 'cross-fetch';
import { firstValueFrom } from 'rxjs';
import { forkWorker, nextMessage, stopWorker } from '../harness';
import { pkg } from '../package';

const { Keyset, Presence, UserId } = pkg();

async function main(): Promise<void> {
  const [variant = 'ours', callsArg = '200', warmupArg = '300'] = process.argv.slice(2);
  const worker = forkWorker(`${__dirname}/../workers/emulator.cjs`, ['sub-c-bench', 'lobby', '20', '3000']);
  try {
    const { url } = await nextMessage(worker, (m): m is { type: 'ready'; url: string } => (m as { type?: string }).type === 'ready');
    const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey: 'sub-c-bench', publishKey: 'pub-c-bench', userId: new UserId('bench-client') }), origin: url });
    const hereNowUrl = `${url}/v2/presence/sub-key/sub-c-bench/channel/lobby?limit=1000&pnsdk=rx-presence%2F0.1.0&uuid=bench-client`;
    const heartbeatUrl = `${url}/v2/presence/sub-key/sub-c-bench/channel/lobby/heartbeat?heartbeat=300&pnsdk=rx-presence%2F0.1.0&uuid=bench-client`;
    const headers = { Accept: 'application/json' };
    const variants: Record<string, () => Promise<unknown>> = {
      bare: async () => JSON.parse(await (await crossFetch(hereNowUrl, { headers })).text()) as unknown,
      'bare-heartbeat': async () => JSON.parse(await (await crossFetch(heartbeatUrl, { headers })).text()) as unknown,
      signal: async () => JSON.parse(await (await crossFetch(hereNowUrl, { headers, signal: new AbortController().signal })).text()) as unknown,
      iterate: async () => {
        const response = await crossFetch(hereNowUrl, { headers });
        const decoder = new TextDecoder();
        let text = '';
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
        return JSON.parse(text + decoder.decode()) as unknown;
      },
      ours: () => firstValueFrom(presence.hereNow({ channels: ['lobby'] })),
      'ours-heartbeat': () => firstValueFrom(presence.announceHeartbeat({ channels: ['lobby'], heartbeat: 300 })),
    };
    const call = variants[variant];
    if (call === undefined) throw new Error(`unknown variant ${variant}; known: ${Object.keys(variants).join(', ')}`);
    for (let i = 0; i < Number(warmupArg); i++) await call();
    for (let i = 0; i < Number(callsArg); i++) await call();
  } finally {
    await stopWorker(worker);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
