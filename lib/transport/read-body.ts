/**
 * Reading a response body with a size cap, so that an endless or huge body (a broken proxy, a
 * hostile server) costs at most the cap in memory instead of everything sent before the timeout.
 */

/**
 * A response body as a stream: a WHATWG `ReadableStream` (browsers, Deno, Node's own fetch) or
 * anything async-iterable over byte chunks (node-fetch 2, which cross-fetch uses on Node, gives a
 * Node stream). Only what the transport reads is described, so that no Node type is needed.
 *
 * @example
 * ```ts
 * import type { ResponseBodyStream } from 'rx-presence';
 *
 * const body: ResponseBodyStream = new Blob(['{"status":200}']).stream();
 * ```
 */
export type ResponseBodyStream =
  | {
      /** WHATWG streams: a reader whose `read()` yields byte chunks. */
      getReader(): {
        /** The next chunk, or `done` at the end. */
        read(): Promise<{
          /** True once the body has ended. */
          done: boolean;
          /** The chunk's bytes, unless `done`. */
          value?: Uint8Array;
        }>;
        /** Stops the stream: the rest of the body is not wanted. */
        cancel(reason?: unknown): Promise<void>;
      };
    }
  | AsyncIterable<Uint8Array | string>;

/** What {@link readCappedText} needs of a response. */
interface CappedSource {
  readonly headers: { get(name: string): string | null };
  readonly body?: ResponseBodyStream | null;
  text(): Promise<string>;
}

/** Thrown by {@link readCappedText} when the body is over the cap; the transport names the request. */
export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
  constructor(readonly maxBytes: number) {
    super(`the response is larger than ${maxBytes} bytes`);
  }
}

const encoder = new TextEncoder();

/** UTF-8 length of a string, without encoding it when its length alone decides. */
function utf8Length(text: string, atMost: number): number {
  // Each UTF-16 unit is 1 to 3 bytes of UTF-8.
  if (text.length > atMost || text.length * 3 <= atMost) return text.length;
  return encoder.encode(text).length;
}

/**
 * The body as text, at most `maxBytes` bytes of it. A `content-length` over the cap is refused
 * before anything is read; a stream is read chunk by chunk and, once over the cap, cancelled and
 * `abort()` called, so a body that never ends costs the cap and no more. A response without a
 * stream is read with `text()` (only then is memory not bounded by the cap: give the transport a
 * fetch with streaming bodies) and measured.
 *
 * @throws {BodyTooLarge} when the body is over the cap.
 *
 * @example
 * ```ts
 * const text = await readCappedText(await fetch(url), 8 * 1024 * 1024, () => controller.abort());
 * ```
 */
export async function readCappedText(response: CappedSource, maxBytes: number, abort: () => void): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    abort();
    throw new BodyTooLarge(maxBytes);
  }
  const body = response.body;
  const webStream = typeof (body as { getReader?: unknown } | null | undefined)?.getReader === 'function';
  const nodeStream = !webStream && typeof (body as { [Symbol.asyncIterator]?: unknown } | null | undefined)?.[Symbol.asyncIterator] === 'function';
  // A Node stream (node-fetch, cross-fetch on Node) framed by a content-length and not compressed
  // cannot run past that length, which is within the cap: `text()` is then as safe, and costs
  // some 80 µs less per call than iterating the stream (BENCHMARKS.md, client overhead). Not for
  // web streams: a browser reports a compressed body's compressed length and, across origins,
  // hides its content-encoding, so there only reading chunk by chunk bounds the memory.
  if ((!webStream && !nodeStream) || (nodeStream && declared >= 0 && response.headers.get('content-encoding') === null)) {
    const text = await response.text();
    if (utf8Length(text, maxBytes) > maxBytes) throw new BodyTooLarge(maxBytes);
    return text;
  }
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let total = 0;
  // Leaving the loop early (the throw) returns the iterator, which cancels a web stream and
  // destroys a Node stream.
  for await (const chunk of chunksOf(body as ResponseBodyStream)) {
    total += typeof chunk === 'string' ? encoder.encode(chunk).length : chunk.byteLength;
    if (total > maxBytes) {
      abort();
      throw new BodyTooLarge(maxBytes);
    }
    parts.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  }
  parts.push(decoder.decode());
  return parts.join('');
}

/** A body's chunks, whether it is a WHATWG stream or an async iterable (node-fetch 2's Node stream). */
async function* chunksOf(body: ResponseBodyStream): AsyncIterable<Uint8Array | string> {
  if (typeof (body as { getReader?: unknown }).getReader !== 'function') return yield* body as AsyncIterable<Uint8Array | string>;
  const reader = (body as Extract<ResponseBodyStream, { getReader: unknown }>).getReader();
  let done = false;
  try {
    while (!done) {
      const next = await reader.read();
      done = next.done;
      if (!done && next.value !== undefined) yield next.value;
    }
  } finally {
    if (!done) reader.cancel().catch(() => undefined);
  }
}
