import type { PresenceContext } from '../presence-context';
import { settled } from './shared-loop';

/**
 * Ends every `heartbeat$` of a client and waits (at most `timeoutMs`) until their leaves are
 * answered or have failed. Works anywhere: in a page, call it from a `pagehide` handler; in Node,
 * `leaveOnExit` from `rx-presence/node` calls it on Ctrl-C.
 *
 * @example
 * ```ts
 * presence.heartbeat$({ channels: ['lobby'] }).subscribe();
 * await endHeartbeats(presence.context); // the leave for 'lobby' has been answered
 * ```
 */
export async function endHeartbeats(context: PresenceContext, timeoutMs = 3000): Promise<void> {
  const loops = [...context.loops.heartbeats.values()];
  for (const loop of loops) loop.end();
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.all(loops.map(settled)),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}
