import type { FetchLike } from './fetch-transport';

/**
 * The browser build's default fetch: the page's own. Called through `globalThis` so that it is
 * never invoked with a foreign `this` (which browsers refuse with "Illegal invocation").
 *
 * @example
 * ```ts
 * const response = await defaultFetch('https://ps.pndsn.com/time/0', { signal: new AbortController().signal, headers: {} });
 * ```
 */
export const defaultFetch: FetchLike = (url, init) => globalThis.fetch(url, init);

/**
 * The browser build's abort controller: the platform's.
 *
 * @example
 * ```ts
 * defaultAbortController().abort();
 * ```
 */
export const defaultAbortController = (): AbortController => new AbortController();
