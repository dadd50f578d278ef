/** @test {createFetchTransport} `onRetry`: the hook a progress line hangs on. */
import { firstValueFrom } from 'rxjs';
import type { PresenceError } from '../../lib/errors';
import { createFetchTransport } from '../../lib/transport/fetch-transport';
import { answer, scriptedServer, type Script } from '../helpers/scripted-server';

const request = { operation: 'whereNow', path: '/v2/presence/sub-key/demo/uuid/alice', query: {}, keys: { subscribeKey: 'demo', userId: 'me' } } as const;

/** One call through a transport on `script`, with its retries as `onRetry` heard them. */
async function retriesHeard(script: Script, attempts?: number) {
  const server = await scriptedServer(script);
  const heard: Array<{ category: string; retry: number; delayMs: number; hitsSoFar: number }> = [];
  const transport = createFetchTransport({
    origin: server.url,
    retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 100, jitter: false },
    onRetry: (error: PresenceError, retry, delayMs) => heard.push({ category: error.category, retry, delayMs, hitsSoFar: server.hits }),
  });
  try {
    await firstValueFrom(transport({ ...request, ...(attempts === undefined ? {} : { attempts }) })).catch(() => undefined);
    return { heard, hits: server.hits };
  } finally {
    await server.close();
  }
}

const unavailable = answer(503, { status: 503, error: true, message: 'Service Unavailable', service: 'Presence' });

it('is told of each retry of a one-shot call, before its wait: the failure, the retry number, the delay', async () => {
  const { heard, hits } = await retriesHeard(unavailable);
  expect(hits).toBe(3);
  expect(heard).toEqual([
    { category: 'server-error', retry: 1, delayMs: 5, hitsSoFar: 1 },
    { category: 'server-error', retry: 2, delayMs: 10, hitsSoFar: 2 },
  ]);
});

it('hears nothing when there is no retry: a permanent failure, or a request asking for one attempt (a stream\'s)', async () => {
  expect((await retriesHeard(answer(400, { status: 400, error: 1, message: 'Invalid Arguments', service: 'Presence' }))).heard).toEqual([]);
  expect(await retriesHeard(unavailable, 1)).toEqual({ heard: [], hits: 1 });
});
