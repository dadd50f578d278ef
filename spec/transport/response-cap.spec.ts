/**
 * A response larger than `maxResponseBytes` ends in a typed error, with memory bounded: the body
 * is read incrementally and the request aborted once over the cap (issue 13, defect 7). Covered
 * for cross-fetch (node-fetch 2: a Node stream body), Node's own fetch (a WHATWG ReadableStream,
 * as in browsers) and a fetch that only offers `text()`.
 */
import { firstValueFrom } from 'rxjs';
import type { ServerResponse } from 'node:http';
import { isPresenceError, isRetryable, type PresenceError } from '../../lib/errors';
import { Keyset } from '../../lib/keyset';
import { Presence } from '../../lib/presence';
import { DEFAULT_MAX_RESPONSE_BYTES, type FetchLike } from '../../lib/transport/fetch-transport';
import { waitFor } from '../helpers/emulator';
import { scriptedServer } from '../helpers/scripted-server';

const keyset = new Keyset({ subscribeKey: 'sub', userId: 'me' });
const MiB = 1024 * 1024;

/** Writes `chunk` again and again, respecting backpressure, until the client goes away or `total` is written. */
function pour(res: ServerResponse, chunk: string, total = Infinity): { written: () => number } {
  let written = 0;
  const write = () => {
    while (written < total && !res.destroyed) {
      const piece = chunk.slice(0, Math.min(chunk.length, total - written));
      written += piece.length;
      if (written >= total) return void res.end(piece);
      if (!res.write(piece)) return void res.once('drain', write);
    }
  };
  write();
  return { written: () => written };
}

async function hereNowError(origin: string, extra: { maxResponseBytes?: number; fetch?: FetchLike } = {}) {
  const presence = new Presence({ defaultKeyset: keyset, origin, requestTimeoutMs: 3000, retry: { attempts: 1 }, ...extra });
  return (await firstValueFrom(presence.hereNow({ channels: ['lobby'] })).then(
    () => undefined,
    (e: unknown) => e,
  )) as PresenceError | undefined;
}

const nodeFetch: FetchLike = (url, init) => fetch(url, init);

describe('response size cap', () => {
  it('has a default of a few MB', () => {
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(8 * MiB);
  });

  it('refuses a 50 MB body by its content-length, without reading it', async () => {
    let poured: { written: () => number } | undefined;
    const server = await scriptedServer((_req, res) => {
      const size = 50 * MiB;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(size) });
      poured = pour(res, `{"status":200,"occupancy":1,"uuids":["a"],"pad":"${'x'.repeat(64 * 1024)}`, size);
    });
    try {
      const error = await hereNowError(server.url);
      expect(isPresenceError(error)).toBe(true);
      expect(error).toMatchObject({ category: 'malformed-response', details: { maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES, statusCode: 200 } });
      expect(error!.message).toMatch(/larger than 8388608 bytes \(maxResponseBytes\)/);
      expect(isRetryable(error)).toBe(false);
      await waitFor(() => server.closedRequests.length === 1, 3000, 'the client to drop the connection');
      expect(poured!.written()).toBeLessThan(50 * MiB);
    } finally {
      await server.close();
    }
  });

  describe.each<[string, FetchLike | undefined]>([
    ['cross-fetch (Node stream body)', undefined],
    ["Node's fetch (ReadableStream body, as in browsers)", nodeFetch],
  ])('%s', (_name, fetchImpl) => {
    it('stops reading an endless chunked body at the cap, and aborts it', async () => {
      let poured: { written: () => number } | undefined;
      const server = await scriptedServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }); // no content-length: chunked
        poured = pour(res, 'x'.repeat(16 * 1024));
      });
      try {
        const error = await hereNowError(server.url, { maxResponseBytes: 64 * 1024, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
        expect(isPresenceError(error)).toBe(true);
        expect(error).toMatchObject({ category: 'malformed-response', details: { maxResponseBytes: 64 * 1024 } });
        await waitFor(() => server.closedRequests.length === 1, 3000, 'the client to drop the connection');
        // What the server got out before the close: the cap plus what socket buffers hold, not
        // the gigabytes a loopback connection carries before a 3 s timeout.
        expect(poured!.written()).toBeLessThan(32 * MiB);
      } finally {
        await server.close();
      }
    });

    it('accepts a body of exactly the cap, refuses one byte more', async () => {
      const body = JSON.stringify({ status: 200, message: 'OK', service: 'Presence', occupancy: 1, uuids: ['ü'] });
      const bytes = Buffer.byteLength(body);
      const server = await scriptedServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(body.slice(0, 10));
        res.end(body.slice(10));
      });
      try {
        const presence = (cap: number) =>
          new Presence({ defaultKeyset: keyset, origin: server.url, maxResponseBytes: cap, retry: { attempts: 1 }, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
        const result = await firstValueFrom(presence(bytes).hereNow({ channels: ['lobby'] }));
        expect([...result.channels.get('lobby')!.uuids.keys()]).toEqual(['ü']);
        const error = await firstValueFrom(presence(bytes - 1).hereNow({ channels: ['lobby'] })).catch((e: unknown) => e);
        expect(error).toMatchObject({ category: 'malformed-response', details: { maxResponseBytes: bytes - 1 } });
      } finally {
        await server.close();
      }
    });
  });

  it('a fetch without a body stream: content-length over the cap is refused before text() is read', async () => {
    let textRead = false;
    const fake: FetchLike = async () => ({
      status: 200,
      statusText: 'OK',
      headers: { get: (name: string) => (name.toLowerCase() === 'content-length' ? String(10 * MiB) : null) },
      text: async () => {
        textRead = true;
        return '{}';
      },
    });
    const error = await hereNowError('http://127.0.0.1:9', { fetch: fake, maxResponseBytes: MiB });
    expect(error).toMatchObject({ category: 'malformed-response', details: { maxResponseBytes: MiB } });
    expect(textRead).toBe(false);
  });

  it('a fetch with neither a stream nor a length: the text is measured once read', async () => {
    const fake: FetchLike = async () => ({ status: 200, statusText: 'OK', headers: { get: () => null }, text: async () => `{"pad":"${'é'.repeat(600)}"}` });
    const error = await hereNowError('http://127.0.0.1:9', { fetch: fake, maxResponseBytes: 1000 });
    expect(error).toMatchObject({ category: 'malformed-response', details: { maxResponseBytes: 1000 } });
  });

  it.each([0, -1, 1.5, NaN, Infinity, '1' as unknown as number])('maxResponseBytes %p is a validation error', (value) => {
    expect(() => new Presence({ defaultKeyset: keyset, maxResponseBytes: value })).toThrow(expect.objectContaining({ category: 'validation', message: expect.stringMatching(/maxResponseBytes must be/) }));
  });
});
