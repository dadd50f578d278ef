import type { PresenceContext } from '../presence-context';
import { endHeartbeats } from '../streams/end-heartbeats';

/**
 * Options of {@link leaveOnExit}.
 *
 * @example
 * ```ts
 * const options: LeaveOnExitOptions = { timeoutMs: 2000, exit: true };
 * ```
 */
export interface LeaveOnExitOptions {
  /** Longest wait for the leaves before exiting anyway. Default 3000 ms. */
  readonly timeoutMs?: number;
  /** Signals to handle. Default `SIGINT` and `SIGTERM`. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Exit the process after the leaves (code 130 for SIGINT, 143 for SIGTERM). Default true. */
  readonly exit?: boolean;
}

/**
 * What {@link leaveOnExit} needs of a client: its context, where its `heartbeat$` loops are kept.
 * A `Presence` client fits; so does any object carrying one's `context`.
 *
 * @example
 * ```ts
 * import { Presence, Keyset } from 'rx-presence';
 * import { leaveOnExit, type LeaveOnExitClient } from 'rx-presence/node';
 *
 * const keyset = new Keyset({ subscribeKey: 'demo', userId: 'me' });
 * const clients: LeaveOnExitClient[] = [new Presence({ defaultKeyset: keyset }), new Presence({ defaultKeyset: keyset })];
 * const stop = leaveOnExit(clients); // one Ctrl-C ends both clients' heartbeats
 * stop();
 * ```
 */
export interface LeaveOnExitClient {
  /** The client's transport and keysets; `presence.context` on a `Presence`. */
  readonly context: PresenceContext;
}

/**
 * Makes a Ctrl-C'd (or killed, or naturally ending) Node process still announce leave: on
 * `SIGINT` / `SIGTERM` it ends every `heartbeat$` of the given clients, waits for their leaves
 * (at most `timeoutMs`) and exits; on `beforeExit` it does the same without exiting. Pass every
 * client of the process at once, so that one exit waits for all of them. Returns a function that
 * removes the handlers.
 *
 * @example
 * ```ts
 * import { Presence } from 'rx-presence';
 * import { leaveOnExit } from 'rx-presence/node';
 *
 * const presence = new Presence({ defaultKeyset });
 * const stop = leaveOnExit(presence);
 * presence.heartbeat$({ channels: ['lobby'] }).subscribe();
 * // Ctrl-C → the leave for 'lobby' is sent, then the process exits with 130.
 * ```
 */
export function leaveOnExit(clients: LeaveOnExitClient | readonly LeaveOnExitClient[], options: LeaveOnExitOptions = {}): () => void {
  const { timeoutMs = 3000, signals = ['SIGINT', 'SIGTERM'], exit = true } = options;
  const all = Array.isArray(clients) ? (clients as readonly LeaveOnExitClient[]) : [clients as LeaveOnExitClient];
  const endAll = () => Promise.all(all.map((client) => endHeartbeats(client.context, timeoutMs)));
  let ending: Promise<unknown> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    ending ??= endAll();
    void ending.finally(() => {
      if (exit) process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
  const onBeforeExit = () => {
    if (ending !== undefined || all.every((client) => client.context.loops.heartbeats.size === 0)) return;
    ending = endAll();
  };
  for (const signal of signals) process.on(signal, onSignal);
  process.on('beforeExit', onBeforeExit);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
    process.off('beforeExit', onBeforeExit);
  };
}
