/**
 * `rx-presence/node`: helpers that only make sense in a Node process (they use `process`
 * signals). Kept out of the main entry so that it stays free of Node built-ins and Node typings.
 *
 * @example
 * ```ts
 * import { Keyset, Presence } from 'rx-presence';
 * import { leaveOnExit } from 'rx-presence/node';
 *
 * const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'me' }) });
 * leaveOnExit(presence); // Ctrl-C: the leave goes out first, then the process exits
 * presence.heartbeat$({ channels: ['lobby'] }).subscribe();
 * ```
 *
 * @packageDocumentation
 */
export { leaveOnExit, type LeaveOnExitOptions, type LeaveOnExitClient } from './leave-on-exit';
