import type { Observable } from 'rxjs';
import type { PresenceContext } from '../presence-context';
import { statusBoard, type StreamStatus } from './status-board';

/**
 * The health of every long-lived stream of a client: the shared `heartbeat$` loop, the shared
 * here-now polls (under `hereNow$`, `presenceEvents$` and `roster$` with `source: 'poll'`), and
 * each `events$` (also under `source: 'subscribe'`). Emits all of them, as an array of
 * {@link StreamStatus} (`connecting | live | retrying | failed`, the attempt, the last
 * `PresenceError`, the last success time), whenever one changes; a late subscriber gets the
 * current state at once. A stream that ends leaves the array, unless it failed. Never errors,
 * never completes. The free-function form of `presence.status$`: call it before starting the
 * streams (it starts watching the client when first called; `new Presence()` watches from the
 * start).
 *
 * @example
 * ```ts
 * import { heartbeat$, Keyset, presenceContext, status$ } from 'rx-presence';
 *
 * const context = presenceContext({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'me' }) });
 * status$(context).subscribe((streams) => {
 *   for (const s of streams) if (s.state === 'retrying') console.log(`${s.stream}: reconnecting (attempt ${s.attempt}): ${s.error?.message}`);
 * });
 * heartbeat$(context, { channels: ['lobby'] }).subscribe();
 * ```
 */
export function status$(context: PresenceContext): Observable<readonly StreamStatus[]> {
  return statusBoard(context).all$;
}
