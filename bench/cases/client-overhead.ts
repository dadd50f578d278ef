/**
 * Case 2: what our client adds per call. 2,000 sequential here-now calls (and heartbeat calls)
 * against the emulator running in a separate process, made three ways over keep-alive:
 *
 * - ours: `firstValueFrom(presence.hereNow(...))` / `announceHeartbeat(...)` with the default
 *   transport (cross-fetch, on Node's keep-alive global agent);
 * - bare: `cross-fetch` of the very URL our client sends, then `JSON.parse`;
 * - contract: bare plus what our public contract asks of any client, written out by hand: an abort
 *   signal (the transport's own, see `defaultAbortController`), a request timer, and the io-ts
 *   decode of the body. Ours against it is what our layers cost beyond the contract;
 * - the official `pubnub` SDK: `hereNow`, and for heartbeats the `heartbeat` method its own
 *   presence loop calls (`keepAlive: true`).
 *
 * Every repetition makes 2,000 calls per variant, the variants taking turns in blocks of 100 so
 * that drift and other load on the machine hit all of them alike. The notes add each variant's
 * client-process CPU per call, which such load disturbs less than wall time.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import crossFetch from 'cross-fetch';
import PubNub from 'pubnub';
import { firstValueFrom } from 'rxjs';
import type { Presence } from '../../lib/presence';
import type { FetchLike } from '../../lib/transport/fetch-transport';
import { forkWorker, gc, median, nextMessage, row, stopWorker, type BenchContext, type Row } from '../harness';
import { codecsModule, defaultFetchModule, pkg } from '../package';

// The client as users load it (dist/cjs), see ../package.ts.
const { Keyset, Presence: PresenceClass, UserId } = pkg();
const { HereNowSingleBody, HeartbeatBody } = codecsModule();
const { defaultAbortController } = defaultFetchModule();

const SUBSCRIBE_KEY = 'sub-c-bench';
const CHANNEL = 'lobby';
/** Seeded; the heartbeat variants add their own uuids later, so answers hold at least this many. */
const OCCUPANTS = 20;

type Call = () => Promise<unknown>;

interface Variants {
  readonly ours: Call;
  readonly bare: Call;
  readonly contract: Call;
  readonly sdk: Call;
}

/** The URL our client sends for `call`, captured once through an injected fetch. */
async function urlOf(origin: string, call: (presence: Presence) => Promise<unknown>): Promise<string> {
  let seen = '';
  const capturing: FetchLike = (url, init) => {
    seen = url;
    return (crossFetch as unknown as FetchLike)(url, init);
  };
  const presence = new PresenceClass({
    origin,
    fetch: capturing,
    defaultKeyset: new Keyset({ subscribeKey: SUBSCRIBE_KEY, publishKey: 'pub-c-bench', userId: new UserId('bench-client') }),
  });
  await call(presence);
  return seen;
}

/**
 * Bare fetch plus the contract's essentials (see the file's comment): cancellable, timed out,
 * validated. The codec is the operation's own, so a body ours accepts is decoded the same way.
 */
export const contractFetch =
  (url: string, codec: { decode(value: unknown): { _tag: 'Left' | 'Right' } }): Call =>
  async () => {
    const controller = defaultAbortController();
    const timer = setTimeout(() => controller.abort(), 15_000);
    try {
      const response = await crossFetch(url, { signal: controller.signal as AbortSignal, headers: { Accept: 'application/json' } });
      const decoded = codec.decode(JSON.parse(await response.text()));
      if (decoded._tag !== 'Right') throw new Error('contract fetch: the body did not decode');
      return decoded;
    } finally {
      clearTimeout(timer);
    }
  };

const bareFetch = (url: string): Call => async () => {
  const response = await crossFetch(url, { headers: { Accept: 'application/json' } });
  const body = JSON.parse(await response.text()) as { status?: number };
  if (body.status !== 200) throw new Error(`bare fetch: unexpected body ${JSON.stringify(body)}`);
  return body;
};

/** Calls per turn: each repetition's calls are made in turns of this many, the variants taking turns. */
const BLOCK = 100;

interface Measured {
  /** Wall time per call, µs, one per repetition. */
  readonly us: number[];
  /** Client-process CPU per call, µs, one per repetition. */
  readonly cpuUs: number[];
}

/**
 * Runs `calls` sequential calls per variant per repetition. The variants take turns in blocks of
 * {@link BLOCK} calls (order rotating), so a burst of other load on the machine is shared by all
 * three instead of landing on one variant's whole run.
 */
async function measure(variants: Variants, calls: number, reps: number, warmup: number): Promise<Record<keyof Variants, Measured>> {
  const names = Object.keys(variants) as (keyof Variants)[];
  for (const name of names) for (let i = 0; i < warmup; i++) await variants[name]();
  const result = Object.fromEntries(names.map((name) => [name, { us: [] as number[], cpuUs: [] as number[] }])) as Record<keyof Variants, Measured>;
  for (let rep = 0; rep < reps; rep++) {
    gc();
    const wall = { ours: 0, bare: 0, contract: 0, sdk: 0 };
    const cpu = { ours: 0, bare: 0, contract: 0, sdk: 0 };
    for (let done = 0, turn = 0; done < calls; done += BLOCK, turn++) {
      const n = Math.min(BLOCK, calls - done);
      for (let k = 0; k < names.length; k++) {
        const name = names[(turn + k) % names.length];
        const call = variants[name];
        const cpuStart = process.cpuUsage();
        const started = performance.now();
        for (let i = 0; i < n; i++) await call();
        wall[name] += performance.now() - started;
        const used = process.cpuUsage(cpuStart);
        cpu[name] += used.user + used.system;
      }
    }
    for (const name of names) {
      result[name].us.push((wall[name] * 1000) / calls);
      result[name].cpuUs.push(cpu[name] / calls);
    }
  }
  return result;
}

export async function runClientOverhead(ctx: BenchContext): Promise<Row[]> {
  const calls = ctx.smoke ? 20 : ctx.quick ? 200 : 2_000;
  const reps = ctx.smoke ? 1 : ctx.quick ? 2 : 5;
  const warmup = ctx.smoke ? 10 : ctx.quick ? 100 : 500;
  const worker = forkWorker(`${__dirname}/../workers/emulator.cjs`, [SUBSCRIBE_KEY, CHANNEL, String(OCCUPANTS), '3000']);
  const rows: Row[] = [];
  const sdk = { current: undefined as PubNub | undefined };
  try {
    const { url: origin } = await nextMessage(worker, (m): m is { type: 'ready'; url: string } => (m as { type?: string }).type === 'ready');
    if ((http.globalAgent as unknown as { keepAlive?: boolean }).keepAlive !== true) throw new Error('expected Node ≥ 19: a keep-alive global agent');
    const presence = new PresenceClass({
      origin,
      defaultKeyset: new Keyset({ subscribeKey: SUBSCRIBE_KEY, publishKey: 'pub-c-bench', userId: new UserId('bench-client') }),
    });
    const pubnub = new PubNub({
      subscribeKey: SUBSCRIBE_KEY,
      publishKey: 'pub-c-bench',
      userId: 'bench-sdk',
      origin: origin.replace(/^http:\/\//, ''),
      ssl: false,
      keepAlive: true,
    });
    sdk.current = pubnub;
    // `heartbeat` is the SDK's own (internal) one-shot heartbeat, the call its presence loop makes.
    const sdkHeartbeat = (pubnub as unknown as { heartbeat(p: { channels: string[]; heartbeat: number }): Promise<unknown> }).heartbeat.bind(pubnub);

    const hereNowOurs = () => firstValueFrom(presence.hereNow({ channels: [CHANNEL] }));
    const heartbeatOurs = () => firstValueFrom(presence.announceHeartbeat({ channels: [CHANNEL], heartbeat: 300 }));
    const hereNowUrl = await urlOf(origin, (p) => firstValueFrom(p.hereNow({ channels: [CHANNEL] })));
    const heartbeatUrl = await urlOf(origin, (p) => firstValueFrom(p.announceHeartbeat({ channels: [CHANNEL], heartbeat: 300 })));
    const operations: { name: string; variants: Variants }[] = [
      {
        name: 'here-now',
        variants: {
          ours: async () => {
            const result = await hereNowOurs();
            if (result.totalOccupancy < OCCUPANTS) throw new Error(`ours: ${result.totalOccupancy} occupants`);
          },
          bare: bareFetch(hereNowUrl),
          contract: contractFetch(hereNowUrl, HereNowSingleBody),
          sdk: async () => {
            const result = await pubnub.hereNow({ channels: [CHANNEL] });
            if (result.totalOccupancy < OCCUPANTS) throw new Error(`sdk: ${result.totalOccupancy} occupants`);
          },
        },
      },
      {
        name: 'heartbeat',
        variants: {
          ours: heartbeatOurs,
          bare: bareFetch(heartbeatUrl),
          contract: contractFetch(heartbeatUrl, HeartbeatBody),
          sdk: () => sdkHeartbeat({ channels: [CHANNEL], heartbeat: 300 }),
        },
      },
    ];

    for (const { name, variants } of operations) {
      ctx.log(`client overhead: ${calls} × ${name}, ${reps} repetitions`);
      const m = await measure(variants, calls, reps, warmup);
      const cpuNote = `client CPU per call: ours ${median(m.ours.cpuUs).toFixed(0)} µs, bare ${median(m.bare.cpuUs).toFixed(0)} µs, bare + contract ${median(m.contract.cpuUs).toFixed(0)} µs, SDK ${median(m.sdk.cpuUs).toFixed(0)} µs`;
      const variant = `${calls.toLocaleString('en-US')} sequential ${name} calls, emulator in another process`;
      rows.push(
        row({
          case: 'client-overhead',
          variant: `${variant} (vs bare)`,
          samples: m.ours.us,
          unit: 'µs/call',
          peer: 'bare cross-fetch + JSON.parse',
          peerSamples: m.bare.us,
          goal: '≤ 1.10× peer',
          check: (ratio) => ratio <= 1.1,
          note: cpuNote,
        }),
        row({
          case: 'client-overhead',
          variant: `${variant} (vs bare + contract)`,
          samples: m.ours.us,
          unit: 'µs/call',
          peer: 'bare + abort signal, request timer, io-ts decode',
          peerSamples: m.contract.us,
          goal: 'information: what our layers cost beyond the contract',
          note: cpuNote,
        }),
        row({
          case: 'client-overhead',
          variant: `${variant} (vs SDK)`,
          samples: m.ours.us,
          unit: 'µs/call',
          peer: `pubnub SDK ${name === 'here-now' ? 'hereNow' : 'heartbeat'}`,
          peerSamples: m.sdk.us,
          goal: '< 1× peer',
          check: (ratio) => ratio < 1,
          note: cpuNote,
        }),
      );
    }
    return rows;
  } finally {
    sdk.current?.destroy();
    await stopWorker(worker);
  }
}
