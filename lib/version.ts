/**
 * This library's version, as in its package.json: sent in every request's `pnsdk`
 * (`rx-presence/<VERSION>`) and printed by `rx-presence --version`. A constant rather than a read
 * of package.json at run time, which would break bundlers; a spec keeps the two in step.
 *
 * @example
 * ```ts
 * import { VERSION } from 'rx-presence';
 *
 * console.log(VERSION);
 * // Output: 0.1.0
 * ```
 */
export const VERSION = '0.1.0';
