/**
 * `rx-presence/emulator`: a local server that speaks PubNub's Presence REST protocol, for tests,
 * demos and offline development.
 *
 * @example
 * ```ts
 * import { startEmulator } from 'rx-presence/emulator';
 *
 * const emulator = await startEmulator({ port: 8090 });
 * emulator.events$.subscribe((e) => console.log(e.action, e.uuid, e.channel));
 * // … point a client at emulator.url …
 * await emulator.close();
 * ```
 */
export { startEmulator } from './server';
export type {
  Emulator,
  EmulatorClock,
  EmulatorKeyset,
  EmulatorOperation,
  EmulatorOptions,
  EmulatorPresenceEvent,
  EmulatorRequestRecord,
} from './types';
