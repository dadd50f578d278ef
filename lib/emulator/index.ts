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
export { EVENT_RETENTION_MS, INTERVAL_DELTAS_MAX_BYTES } from './presence-feed';
export { MAX_CHANNELS_PER_GROUP } from './channel-groups';
export { MAX_PARKED_STATES } from './store';
export { MAX_PRESENCE_TIMEOUT_SECONDS } from './handlers';
export { MAX_STATE_BYTES, MAX_STATE_DEPTH } from './state';
export { MAX_MESSAGES_PER_RESPONSE, SUBSCRIBE_REGION } from './subscribe';
