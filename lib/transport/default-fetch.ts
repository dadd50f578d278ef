import crossFetch from 'cross-fetch';
import type { FetchLike } from './fetch-transport';

/**
 * The fetch a transport uses unless given one: cross-fetch, which is node-fetch 2 on Node (kept
 * there for its cheap abort signals, see `createFetchTransport`) and the platform's fetch
 * elsewhere. Browser bundles get `default-fetch.browser` instead (the package's `browser` field),
 * so they do not carry cross-fetch's XMLHttpRequest polyfill, which no browser we support needs.
 *
 * @example
 * ```ts
 * const response = await defaultFetch('https://ps.pndsn.com/time/0', { signal: new AbortController().signal, headers: {} });
 * ```
 */
export const defaultFetch = crossFetch as unknown as FetchLike;

/**
 * A new abort controller for {@link defaultFetch}. cross-fetch on Node is node-fetch 2, which takes
 * any AbortSignal-shaped object (the way the abort-controller polyfill works); Node's own
 * EventTarget-based signal costs more per request than everything else we add (BENCHMARKS.md,
 * client overhead). Other fetches get the platform's.
 *
 * @example
 * ```ts
 * const controller = defaultAbortController();
 * controller.abort();
 * ```
 */
export const defaultAbortController: () => { readonly signal: unknown; abort(): void } = isNodeFetch(crossFetch)
  ? () => new LightAbortController()
  : () => new AbortController();

/** cross-fetch on Node wraps node-fetch 2, whose `Headers` are its own, not the platform's. */
function isNodeFetch(fetchImpl: unknown): boolean {
  // Read off globalThis so that the main entry needs no Node typings (and no `process` in browsers).
  const node = typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string';
  const headers = (fetchImpl as { Headers?: unknown }).Headers;
  return node && typeof headers === 'function' && headers !== (globalThis as { Headers?: unknown }).Headers;
}

/** The smallest signal node-fetch 2 accepts: its check is the constructor's name. */
const LightAbortSignal = class AbortSignal {
  aborted = false;
  #listeners: Array<() => void> = [];
  addEventListener(_type: 'abort', listener: () => void): void {
    this.#listeners.push(listener);
  }
  removeEventListener(_type: 'abort', listener: () => void): void {
    this.#listeners = this.#listeners.filter((l) => l !== listener);
  }
  dispatch(): void {
    if (this.aborted) return;
    this.aborted = true;
    for (const listener of this.#listeners) listener();
  }
};

class LightAbortController {
  readonly signal = new LightAbortSignal();
  abort(): void {
    this.signal.dispatch();
  }
}
