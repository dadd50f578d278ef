/** `GET /time/0`: the current timetoken; needs no subscribe key, and is never signed. */
import { replies, type Reply } from '../pipeline/responses';

/**
 * The service's time, a 17-digit timetoken, at `nowMs` (the emulator's clock).
 *
 * @example
 * ```ts
 * time(1_700_000_000_000).body; // '[17000000000000000]'
 * ```
 */
export const time = (nowMs: number): Reply => replies.time(nowMs);
