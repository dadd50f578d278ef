/**
 * Profiling aid for the client-overhead case: splits what one `hereNow` / `announceHeartbeat`
 * costs on the client into layers, each measured on its own (µs per call, medians of 7 runs):
 *
 * 1. the client without any transport (a transport answering `of(body)` synchronously):
 *    validation, request building, io-ts decoding, mapping, the rxjs pipeline;
 * 2. the same with the real fetch transport around a fetch that resolves at once with a canned
 *    response: adds the AbortController, the `timeout` timer, `retry`, promise hops, parsing;
 * 3. real HTTP to an emulator in another process: cross-fetch with and without an AbortSignal
 *    (our transport always passes one), and the whole client.
 *
 *   npm run build && npx tsx bench/tools/client-cost.ts   (the client is loaded from dist/)
 *   npx tsx bench/tools/client-cost.ts --interleaved      (only the HTTP variants, taking turns)
 *   npx tsx bench/tools/client-cost.ts --ladder           (the client built up layer by layer over HTTP)
 *
 * `--ladder` answers "where do our ~50 µs over a bare fetch go" in one run: each rung adds one
 * layer of the real client to the one before, all rungs taking turns, and each is reported as its
 * ratio to the bare fetch in the same turn (the median over turns), so that the machine's drift
 * cancels out. Rungs: bare; the contract written by hand (`contractFetch` of the bench's case 2:
 * abort signal, timer, io-ts decode); our transport with one attempt; with retries (the default);
 * plus `sendRequest` (decode and mapping); `hereNow(context)` (validation, request building,
 * paging check, result maps); `presence.hereNow` (the whole client).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import crossFetch from 'cross-fetch';
import { firstValueFrom, of } from 'rxjs';
import type { Presence } from '../../lib/presence';
import type { FetchLike } from '../../lib/transport/fetch-transport';
import { contractFetch } from '../cases/client-overhead';
import { forkWorker, median, nextMessage, stopWorker } from '../harness';
import { operationContextModule, pkg } from '../package';

// The package as users load it (dist/cjs), see ../package.ts.
const { codecs, createFetchTransport, hereNow, Keyset, Presence: PresenceClass, UserId } = pkg();
const { HereNowSingleBody } = codecs;

const keyset = () => new Keyset({ subscribeKey: 'sub-c-bench', publishKey: 'pub-c-bench', userId: new UserId('bench-client') });
const hereNowBody = {
  status: 200,
  message: 'OK',
  service: 'Presence',
  uuids: Array.from({ length: 20 }, (_, i) => `occupant-${i}`),
  occupancy: 20,
};
const heartbeatBody = { status: 200, message: 'OK', service: 'Presence' };
const bodyFor = (path: string) => (path.endsWith('/heartbeat') ? heartbeatBody : hereNowBody);

async function usPerCall(call: () => Promise<unknown> | unknown, calls: number): Promise<number> {
  for (let i = 0; i < calls; i++) await call();
  const runs: number[] = [];
  for (let run = 0; run < 7; run++) {
    const started = performance.now();
    for (let i = 0; i < calls; i++) await call();
    runs.push(((performance.now() - started) * 1000) / calls);
  }
  return median(runs);
}

const line = (label: string, us: number) => process.stdout.write(`${us.toFixed(1).padStart(8)} µs  ${label}\n`);

async function main(): Promise<void> {
  const ops = {
    hereNow: (p: Presence) => firstValueFrom(p.hereNow({ channels: ['lobby'] })),
    heartbeat: (p: Presence) => firstValueFrom(p.announceHeartbeat({ channels: ['lobby'], heartbeat: 300 })),
  };

  // 1. No transport at all.
  const stubbed = new PresenceClass({ defaultKeyset: keyset(), transport: (request) => of(bodyFor(request.path)) });
  for (const [name, op] of Object.entries(ops)) line(`${name}: client without transport (of(body))`, await usPerCall(() => op(stubbed), 20_000));
  line('hereNow body: io-ts HereNowSingleBody.decode alone', await usPerCall(() => HereNowSingleBody.decode(hereNowBody), 50_000));

  // 2. The real transport around an instant fetch.
  const text = { hereNow: JSON.stringify(hereNowBody), heartbeat: JSON.stringify(heartbeatBody) };
  const instantFetch: FetchLike = (url) =>
    Promise.resolve({
      status: 200,
      statusText: 'OK',
      headers: { get: (name: string) => (name === 'content-type' ? 'text/javascript; charset="UTF-8"' : null) },
      text: () => Promise.resolve(url.includes('/heartbeat?') ? text.heartbeat : text.hereNow),
    });
  const instant = new PresenceClass({ defaultKeyset: keyset(), origin: 'http://127.0.0.1:1', fetch: instantFetch });
  for (const [name, op] of Object.entries(ops)) line(`${name}: client + fetch transport, instant fetch`, await usPerCall(() => op(instant), 20_000));
  const barePromise = () => instantFetch('http://127.0.0.1:1/x', { signal: new AbortController().signal, headers: {} }).then(async (r) => JSON.parse(await r.text()) as unknown);
  line('instant fetch + JSON.parse alone (the bare baseline without HTTP)', await usPerCall(barePromise, 20_000));

  // 3. Real HTTP against an emulator in another process.
  const worker = forkWorker(`${__dirname}/../workers/emulator.cjs`, ['sub-c-bench', 'lobby', '20', '3000']);
  try {
    const { url } = await nextMessage(worker, (m): m is { type: 'ready'; url: string } => (m as { type?: string }).type === 'ready');
    const hereNowUrl = `${url}/v2/presence/sub-key/sub-c-bench/channel/lobby?limit=1000&pnsdk=rx-presence%2F0.1.0&uuid=bench-client`;
    const headers = { Accept: 'application/json' };
    const plain = async () => JSON.parse(await (await crossFetch(hereNowUrl, { headers })).text()) as unknown;
    const signalled = async () => JSON.parse(await (await crossFetch(hereNowUrl, { headers, signal: new AbortController().signal })).text()) as unknown;
    // How the transport read every body before issue 16: iterating node-fetch's Node stream.
    const iterated = async () => {
      const response = await crossFetch(hereNowUrl, { headers });
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
      return JSON.parse(text + decoder.decode()) as unknown;
    };
    const real = new PresenceClass({ defaultKeyset: keyset(), origin: url });
    // Keep-alive check: how many TCP connections the global agent opens for each variant.
    const agent = http.globalAgent as unknown as { createConnection: (...args: unknown[]) => unknown };
    const createConnection = agent.createConnection;
    let connections = 0;
    agent.createConnection = function (this: unknown, ...args: unknown[]) {
      connections++;
      return createConnection.apply(this, args);
    };
    const measured = async (label: string, call: () => Promise<unknown>) => {
      const before = connections;
      const cpu = process.cpuUsage();
      const us = await usPerCall(call, 2_000);
      const { user, system } = process.cpuUsage(cpu);
      const cpuUs = (user + system) / (8 * 2_000);
      line(`${label} (client CPU ${cpuUs.toFixed(0)} µs/call; ${connections - before} new connections for ${8 * 2_000} calls)`, us);
    };
    if (process.argv.includes('--ladder')) {
      const { sendRequest } = operationContextModule();
      const transport = createFetchTransport({ origin: url });
      // The request the client builds for `hereNow({ channels: ['lobby'] })`: the same URL as `plain`.
      const request = {
        operation: 'hereNow' as const,
        path: '/v2/presence/sub-key/sub-c-bench/channel/lobby',
        query: { limit: '1000' },
        keys: real.keysets.defaultKeyset.toRequestKeys(),
      };
      // Made once: a spread per call would be a cost of the tool's, charged to the transport.
      const oneAttempt = { ...request, attempts: 1 };
      await interleaved({
        'bare: cross-fetch + JSON.parse': plain,
        'contract by hand: + abort signal, timer, io-ts decode': contractFetch(hereNowUrl, HereNowSingleBody),
        'our transport, one attempt': () => firstValueFrom(transport(oneAttempt)),
        'our transport, with retries (the default)': () => firstValueFrom(transport(request)),
        '+ sendRequest: decode, mapping, errors cleaned': () => firstValueFrom(sendRequest(real.context, request, HereNowSingleBody, (body) => body)),
        '+ hereNow(context): validation, request, paging check, result maps': () => firstValueFrom(hereNow(real.context, { channels: ['lobby'] })),
        'our client: presence.hereNow': () => ops.hereNow(real),
      });
      return;
    }
    if (process.argv.includes('--interleaved')) {
      await interleaved({
        'cross-fetch + JSON.parse': plain,
        'cross-fetch with an AbortSignal + JSON.parse': signalled,
        'cross-fetch, body read by iterating its stream + JSON.parse': iterated,
        'our client': () => ops.hereNow(real),
        ...beforeVariant(url),
      });
      return;
    }
    for (let round = 0; round < 2; round++) {
      await measured('HTTP here-now: cross-fetch + JSON.parse', plain);
      await measured('HTTP here-now: cross-fetch with an AbortSignal + JSON.parse', signalled);
      await measured('HTTP here-now: cross-fetch, body read by iterating its stream + JSON.parse', iterated);
      await measured('HTTP here-now: our client', () => ops.hereNow(real));
    }
  } finally {
    await stopWorker(worker);
  }
}

/**
 * With `CLIENT_COST_BEFORE=<another build's dist/cjs>`, that build's client as one more variant:
 * before and after a change, side by side in one run.
 */
function beforeVariant(origin: string): Record<string, () => Promise<unknown>> {
  const dir = process.env.CLIENT_COST_BEFORE;
  if (dir === undefined) return {};
  const before = require(`${dir}/index.js`) as ReturnType<typeof pkg>;
  const presence = new before.Presence({ defaultKeyset: new before.Keyset({ subscribeKey: 'sub-c-bench', publishKey: 'pub-c-bench', userId: new before.UserId('bench-client') }), origin });
  return { [`our client, build of ${dir}`]: () => firstValueFrom(presence.hereNow({ channels: ['lobby'] })) };
}

/**
 * `--interleaved` and `--ladder`: the HTTP variants taking turns in blocks of 100 calls, 10
 * repetitions of 1,000 calls each, so that load from elsewhere on the machine falls on all of them
 * alike; prints the median wall and CPU per call, each variant's ratio to the first repetition by
 * repetition, and the median of its ratio to the first within each turn.
 */
async function interleaved(variants: Record<string, () => Promise<unknown>>): Promise<void> {
  const names = Object.keys(variants);
  for (const name of names) for (let i = 0; i < 300; i++) await variants[name]();
  const wall: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  // Each variant's time in a turn over the first variant's in the same turn: drift cancels out.
  const turnRatios: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let rep = 0; rep < 10; rep++) {
    const w: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
    const c: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
    for (let turn = 0; turn < 10; turn++) {
      const inTurn: Record<string, number> = {};
      for (let k = 0; k < names.length; k++) {
        const name = names[(turn + k) % names.length];
        const cpuStart = process.cpuUsage();
        const started = performance.now();
        for (let i = 0; i < 100; i++) await variants[name]();
        inTurn[name] = performance.now() - started;
        w[name] += inTurn[name];
        const used = process.cpuUsage(cpuStart);
        c[name] += used.user + used.system;
      }
      for (const name of names) turnRatios[name].push(inTurn[name] / inTurn[names[0]]);
    }
    for (const name of names) {
      wall[name].push(w[name]); // ms per 1,000 calls = µs per call
      cpu[name].push(c[name] / 1000);
    }
  }
  const [first] = names;
  for (const name of names) {
    const ratios = wall[name].map((v, i) => v / wall[first][i]).sort((a, b) => a - b);
    process.stdout.write(
      `${median(wall[name]).toFixed(1).padStart(8)} µs  ${median(cpu[name]).toFixed(1).padStart(6)} µs CPU  ` +
        `${(median(wall[name]) / median(wall[first])).toFixed(2)}× (repetitions ${ratios[0].toFixed(2)}×–${ratios[ratios.length - 1].toFixed(2)}×, ` +
        `turn-paired ${median(turnRatios[name]).toFixed(3)}×)  ${name}\n`,
    );
  }
}

void main();
