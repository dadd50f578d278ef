/**
 * Profiling aid: the emulator's per-request cost without HTTP. Calls the request pipeline (the
 * server's `PresenceService.answer`, private) in a loop for a heartbeat and a here-now URL and
 * prints µs per request; run it under `node --cpu-prof --import tsx` to see where the time goes.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/tools/emulator-request-cost.ts [iterations]
 */
import { performance } from 'node:perf_hooks';
import type { Answer } from '../../lib/emulator/pipeline/pipeline';
import { IncomingRequest } from '../../lib/emulator/pipeline/request';
import { EmulatorServer } from '../../lib/emulator/server';

const iterations = Number(process.argv[2] ?? 200_000);

async function main(): Promise<void> {
  for (const cacheMs of [3000, 0]) {
    const emulator = await EmulatorServer.start({ hereNowCacheMs: cacheMs });
    const { presence } = emulator.keyspaces.write('sub-c-bench');
    for (let i = 0; i < 20; i++) presence.heartbeat(`occupant-${i}`, ['lobby'], 300);
    const { service } = emulator as unknown as { service: { answer: Answer } };
    const answer = (method: string, url: string): { status: number } => {
      const outcome = service.answer(new IncomingRequest(method, url), Date.now());
      return outcome.kind === 'reply' ? outcome.reply : { status: 0 };
    };
    const urls = {
      heartbeat: (i: number) => `/v2/presence/sub-key/sub-c-bench/channel/lobby/heartbeat?heartbeat=300&pnsdk=rx-presence%2F0.1.0&uuid=load-${i % 100}`,
      hereNow: (i: number) => `/v2/presence/sub-key/sub-c-bench/channel/lobby?limit=1000&pnsdk=rx-presence%2F0.1.0&uuid=load-${i % 100}`,
    };
    for (const [name, url] of Object.entries(urls)) {
      if (name === 'heartbeat' && cacheMs === 0) continue;
      for (let i = 0; i < 10_000; i++) answer('GET', url(i));
      const started = performance.now();
      for (let i = 0; i < iterations; i++) if (answer('GET', url(i)).status !== 200) throw new Error('not 200');
      const us = ((performance.now() - started) * 1000) / iterations;
      process.stdout.write(`${name} (here-now cache ${cacheMs} ms): ${us.toFixed(2)} µs per request, without HTTP\n`);
    }
    await emulator.close();
  }
}

void main();
