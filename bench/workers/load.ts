/**
 * Worker: the load generator for the throughput case, in its own process so that it does not
 * share an event loop with the server being measured. Waits for `{ type: 'run', … }` messages,
 * runs autocannon, answers `{ type: 'result', … }`; exits on `{ type: 'stop' }`.
 */
import autocannon from 'autocannon';

export interface LoadRun {
  readonly type: 'run';
  /** Origin, e.g. `http://127.0.0.1:8090`. */
  readonly url: string;
  /** Paths (with query) each connection cycles through. */
  readonly paths: readonly string[];
  readonly connections: number;
  /** Seconds. */
  readonly duration: number;
  /**
   * Requests in all, instead of a duration: the smoke run (spec/bench.spec.ts) needs only a few.
   * autocannon ends a run on its sampling tick (1 s by default), so a counted run also samples
   * every 50 ms; otherwise 200 requests would hold both cores for a whole second.
   */
  readonly amount?: number;
}

export interface LoadResult {
  readonly type: 'result';
  readonly requestsPerSecond: number;
  readonly total: number;
  /** Milliseconds. */
  readonly latencyMean: number;
  readonly latencyP99: number;
  readonly non2xx: number;
  readonly errors: number;
}

process.on('message', (message: { type?: string }) => {
  if (message.type === 'stop') process.exit(0);
  if (message.type !== 'run') return;
  const run = message as LoadRun;
  autocannon(
    {
      url: run.url,
      connections: run.connections,
      pipelining: 1,
      ...(run.amount === undefined ? { duration: run.duration } : { amount: run.amount, sampleInt: 50 }),
      requests: run.paths.map((path) => ({ method: 'GET', path })),
    },
    (error, result) => {
      if (error) throw error;
      const answer: LoadResult = {
        type: 'result',
        requestsPerSecond: result.requests.total / result.duration,
        total: result.requests.total,
        latencyMean: result.latency.average,
        latencyP99: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
      };
      process.send?.(answer);
    },
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });
