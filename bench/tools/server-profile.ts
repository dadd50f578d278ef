/**
 * Profiling aid for the throughput case: runs the emulator (or the bare baseline server) in this
 * process and loads it with autocannon from a worker, so a `--cpu-prof` of this process is the
 * server's profile. Prints req/s and server CPU per request.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/tools/server-profile.ts emulator here-now 5
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/tools/server-profile.ts bare here-now 5
 *
 * `bare-emulator-options` is the bare server with the emulator's `createServer` options.
 */
import { createServer, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmulatorServer } from '../../lib/emulator/server';
import { forkWorker, nextMessage, stopWorker } from '../harness';
import type { LoadResult, LoadRun } from '../workers/load';

async function main(): Promise<void> {
  const [kind = 'emulator', operation = 'here-now', seconds = '5'] = process.argv.slice(2);
  const paths = Array.from({ length: 100 }, (_, i) =>
    operation === 'heartbeat'
      ? `/v2/presence/sub-key/sub-c-bench/channel/lobby/heartbeat?heartbeat=300&pnsdk=rx-presence%2F0.1.0&uuid=load-${i}`
      : `/v2/presence/sub-key/sub-c-bench/channel/lobby?limit=1000&pnsdk=rx-presence%2F0.1.0&uuid=load-${i}`,
  );
  const emulator = await EmulatorServer.start();
  const { presence } = emulator.keyspaces.write('sub-c-bench');
  for (let i = 0; i < 20; i++) presence.heartbeat(`occupant-${i}`, ['lobby'], 300);
  for (const path of paths) await (await fetch(`${emulator.url}${path}`)).text();
  let url = emulator.url;
  let close = () => emulator.close();
  if (kind === 'bare' || kind === 'bare-emulator-options') {
    const sample = await fetch(`${emulator.url}${paths[0]}`);
    const body = await sample.text();
    const headers: OutgoingHttpHeaders = {};
    sample.headers.forEach((value, name) => {
      if (!/^(date|connection|keep-alive|transfer-encoding)$/i.test(name)) headers[name] = value;
    });
    await emulator.close();
    // `bare-emulator-options`: the emulator's server options (timeouts, header limit), to tell
    // their cost from the handler's.
    const options =
      kind === 'bare'
        ? { keepAlive: true }
        : { keepAlive: true, requestTimeout: 10_000, headersTimeout: 10_000, connectionsCheckingInterval: 1000, maxHeaderSize: 64 * 1024 };
    const server = createServer(options, (_req, res) => {
      res.writeHead(200, headers);
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
  }
  const loader = forkWorker(`${__dirname}/../workers/load.ts`);
  await nextMessage(loader, (m): m is { type: 'ready' } => (m as { type?: string }).type === 'ready');
  const cpu = process.cpuUsage();
  const answer = nextMessage(loader, (m): m is LoadResult => (m as { type?: string }).type === 'result');
  loader.send({ type: 'run', url, paths, connections: 10, duration: Number(seconds) } satisfies LoadRun);
  const result = await answer;
  const { user, system } = process.cpuUsage(cpu);
  process.stdout.write(
    `${kind} ${operation}: ${result.requestsPerSecond.toFixed(0)} req/s, ${result.total} requests, ` +
      `server CPU ${((user + system) / result.total).toFixed(1)} µs/request (user ${(user / result.total).toFixed(1)}, system ${(system / result.total).toFixed(1)})\n`,
  );
  await stopWorker(loader);
  await close();
}

void main();
