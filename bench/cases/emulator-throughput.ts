/**
 * Case 4: emulator requests per second over keep-alive connections, against a bare `node:http`
 * server answering the same fixed reply (same status, headers and body bytes, copied from the
 * emulator's own answer) on the same machine.
 *
 * Three processes: the server under test, autocannon (10 connections, no pipelining) and this
 * one, which only orchestrates and sits idle during a run, so the server and the load generator
 * each have one of the two cores. Emulator and bare server take turns, repetition by repetition.
 *
 * - heartbeat: 100 uuids refreshing their presence on `lobby` (each connection cycles through them);
 * - here-now, as users run the emulator (here-now cache on, 3 s): `lobby` with 20 occupants;
 * - here-now with the cache off (`hereNowCacheMs: 0`): every answer computed.
 */
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { LoadResult, LoadRun } from '../workers/load';
import { forkWorker, median, nextMessage, row, stopWorker, type BenchContext, type Row } from '../harness';

const SUBSCRIBE_KEY = 'sub-c-bench';
const CHANNEL = 'lobby';
const OCCUPANTS = 20;
const UUIDS = 100;
const CONNECTIONS = 10;

const isType =
  <T extends string>(type: T) =>
  (m: unknown): m is { type: T; url: string } =>
    (m as { type?: string }).type === type;

interface Captured {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** One GET, keeping the headers the server set itself (not Node's `Date`/`Connection`/`Keep-Alive`). */
function capture(url: string): Promise<Captured> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            const name = res.rawHeaders[i];
            if (!/^(date|connection|keep-alive|transfer-encoding)$/i.test(name)) headers[name] = res.rawHeaders[i + 1];
          }
          resolve({ status: res.statusCode ?? 0, headers, body });
        });
      })
      .on('error', reject);
  });
}

/** CPU time (user + system, µs) the server process has used so far. */
async function cpuOf(server: ChildProcess): Promise<number> {
  const answer = nextMessage(server, (m): m is { type: 'cpu'; user: number; system: number } => (m as { type?: string }).type === 'cpu');
  server.send({ type: 'cpu' });
  const { user, system } = await answer;
  return user + system;
}

interface Measured extends LoadResult {
  /** Server CPU per answered request, µs: a figure other load on the machine disturbs less than req/s. */
  readonly serverCpuUs: number;
}

async function load(loader: ChildProcess, server: ChildProcess, run: Omit<LoadRun, 'type'>): Promise<Measured> {
  const cpuBefore = await cpuOf(server);
  const answer = nextMessage(loader, (m): m is LoadResult => (m as { type?: string }).type === 'result');
  loader.send({ type: 'run', ...run } satisfies LoadRun);
  const result = await answer;
  const cpuAfter = await cpuOf(server);
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`load run had ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  return { ...result, serverCpuUs: (cpuAfter - cpuBefore) / result.total };
}

interface Operation {
  readonly name: string;
  readonly cacheMs: number;
  readonly paths: readonly string[];
}

const OPERATIONS: readonly Operation[] = [
  {
    name: 'heartbeat',
    cacheMs: 3000,
    paths: Array.from(
      { length: UUIDS },
      (_, i) => `/v2/presence/sub-key/${SUBSCRIBE_KEY}/channel/${CHANNEL}/heartbeat?heartbeat=300&pnsdk=rx-presence%2F0.1.0&uuid=load-${i}`,
    ),
  },
  {
    name: 'here-now (cache on, the default)',
    cacheMs: 3000,
    paths: Array.from({ length: UUIDS }, (_, i) => `/v2/presence/sub-key/${SUBSCRIBE_KEY}/channel/${CHANNEL}?limit=1000&pnsdk=rx-presence%2F0.1.0&uuid=load-${i}`),
  },
  {
    name: 'here-now (cache off)',
    cacheMs: 0,
    paths: Array.from({ length: UUIDS }, (_, i) => `/v2/presence/sub-key/${SUBSCRIBE_KEY}/channel/${CHANNEL}?limit=1000&pnsdk=rx-presence%2F0.1.0&uuid=load-${i}`),
  },
];

export async function runEmulatorThroughput(ctx: BenchContext): Promise<Row[]> {
  const duration = ctx.smoke ? 0.2 : ctx.quick ? 0.5 : 2.5;
  const warmup = ctx.smoke ? 0.1 : ctx.quick ? 0.3 : 1;
  const reps = ctx.quick ? 1 : 3;
  // The smoke run counts requests instead of timing them: its numbers are meaningless anyway.
  const amount = ctx.smoke ? { amount: 200 } : {};
  // The quick run skips the cache-off here-now: same code path plus the answer being computed.
  const operations = ctx.quick ? OPERATIONS.slice(0, 2) : OPERATIONS;
  const rows: Row[] = [];
  const loader = forkWorker(`${__dirname}/../workers/load.ts`);
  const bare = forkWorker(`${__dirname}/../workers/bare-server.cjs`);
  try {
    await nextMessage(loader, isType('ready'));
    const { url: bareUrl } = await nextMessage(bare, isType('ready'));
    for (const operation of operations) {
      ctx.log(`emulator throughput: ${operation.name}, ${reps} × ${duration} s per side`);
      const emulator = forkWorker(`${__dirname}/../workers/emulator.cjs`, [SUBSCRIBE_KEY, CHANNEL, String(OCCUPANTS), String(operation.cacheMs)]);
      try {
        const { url: emulatorUrl } = await nextMessage(emulator, isType('ready'));
        // Every uuid's first heartbeat is a join; the runs measure the steady state of refreshes.
        for (const path of operation.paths) await capture(`${emulatorUrl}${path}`);
        const reply = await capture(`${emulatorUrl}${operation.paths[0]}`);
        if (reply.status !== 200) throw new Error(`emulator answered ${reply.status}: ${reply.body}`);
        const configured = nextMessage(bare, isType('configured'));
        bare.send({ type: 'reply', ...reply });
        await configured;
        const run = { paths: operation.paths, connections: CONNECTIONS, ...amount };
        await load(loader, emulator, { ...run, url: emulatorUrl, duration: warmup });
        await load(loader, bare, { ...run, url: bareUrl, duration: warmup });
        const ours: Measured[] = [];
        const peer: Measured[] = [];
        for (let rep = 0; rep < reps; rep++) {
          const order = rep % 2 === 0 ? (['ours', 'peer'] as const) : (['peer', 'ours'] as const);
          for (const side of order) {
            const result = side === 'ours'
              ? await load(loader, emulator, { ...run, url: emulatorUrl, duration })
              : await load(loader, bare, { ...run, url: bareUrl, duration });
            (side === 'ours' ? ours : peer).push(result);
          }
        }
        rows.push(
          row({
            case: 'emulator-throughput',
            variant: `${operation.name}, ${CONNECTIONS} keep-alive connections`,
            samples: ours.map((r) => r.requestsPerSecond),
            unit: 'req/s',
            peer: 'bare node:http, same reply',
            peerSamples: peer.map((r) => r.requestsPerSecond),
            goal: '≥ 0.85× peer',
            check: (ratio) => ratio >= 0.85,
            note: `mean latency ${median(ours.map((r) => r.latencyMean)).toFixed(2)} ms vs ${median(peer.map((r) => r.latencyMean)).toFixed(2)} ms`,
          }),
          row({
            case: 'emulator-throughput',
            variant: `${operation.name}: server CPU per request`,
            samples: ours.map((r) => r.serverCpuUs),
            unit: 'µs CPU/req',
            peer: 'bare node:http, same reply',
            peerSamples: peer.map((r) => r.serverCpuUs),
            goal: '≤ 1.2× peer',
            check: (ratio) => ratio <= 1.2,
            note: 'server-bound, req/s ≈ 1 / CPU per request; this is less sensitive than req/s to other load on the machine',
          }),
        );
      } finally {
        await stopWorker(emulator);
      }
    }
    return rows;
  } finally {
    await stopWorker(loader);
    await stopWorker(bare);
  }
}
