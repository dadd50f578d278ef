/**
 * `rx-presence/emulator`: a local server that speaks PubNub's Presence REST protocol and the
 * subscribe long-poll that delivers presence events on `<channel>-pnpres` (so the official SDKs'
 * subscribe, presence listener and heartbeat loop work against it unchanged), for tests, demos and
 * offline development.
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
  EmulatorFaultKind,
  EmulatorFaults,
  EmulatorKeyset,
  EmulatorOperation,
  EmulatorOptions,
  EmulatorPresenceEvent,
  EmulatorRequestRecord,
} from './types';
export { EVENT_RETENTION_MS } from './model/presence-feed';
export { INTERVAL_DELTAS_MAX_BYTES } from './model/interval-deltas';
export { MAX_CHANNELS_PER_GROUP } from './model/channel-groups';
export { MAX_PARKED_STATES } from './model/parked-states';
export { MAX_PRESENCE_TIMEOUT_SECONDS, MAX_STATE_BYTES } from '../protocol/limits';
export { MAX_STATE_DEPTH } from './endpoints/state-input';
export { MAX_MESSAGES_PER_RESPONSE } from './endpoints/subscribe';
export { SUBSCRIBE_REGION } from './pipeline/responses';
export {
  EMULATOR_FLAGS,
  emulatorFlagHelp,
  emulatorFlagSyntax,
  emulatorOptionsOf,
  parseEmulatorFlag,
  type EmulatorCliOptions,
  type EmulatorFlag,
} from './flags';
