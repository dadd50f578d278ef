/**
 * `EmulatorOptions` read once: every default applied and every value checked, so that a mistake is
 * a `RangeError` from `startEmulator` naming the option, not a misbehaving server.
 */
import { DEFAULT_PRESENCE_TIMEOUT, MAX_CHANNELS_PER_REQUEST } from '../protocol/limits';
import { MAX_CHANNELS_PER_GROUP } from './model/channel-groups';
import { MAX_PARKED_STATES } from './model/parked-states';
import { EVENT_RETENTION_MS } from './model/presence-feed';
import { FaultInjector, MAX_TIMER_MS } from './pipeline/faults';
import type { EmulatorClock, EmulatorKeyset, EmulatorOptions } from './types';

/**
 * What every option is when left out.
 *
 * @example
 * ```ts
 * EMULATOR_DEFAULTS.hereNowCacheMs; // 3000
 * ```
 */
export const EMULATOR_DEFAULTS = {
  port: 0,
  host: '127.0.0.1',
  hereNowCacheMs: 3000,
  defaultPresenceTimeout: DEFAULT_PRESENCE_TIMEOUT,
  requestTimeoutMs: 10_000,
  signatureWindowSeconds: 60,
  rejectReplayedSignatures: true,
  subscribeTimeoutMs: 280_000,
  announceMax: 20,
  presenceIntervalMs: 10_000,
  eventBufferSize: 1000,
  maxChannelsPerRequest: MAX_CHANNELS_PER_REQUEST,
  maxConnections: 1024,
  maxChannelsPerGroup: MAX_CHANNELS_PER_GROUP,
  maxParkedStates: MAX_PARKED_STATES,
  eventRetentionMs: EVENT_RETENTION_MS,
} as const;

/**
 * {@link EmulatorOptions} with every default applied and checked.
 *
 * @example
 * ```ts
 * const settings: Settings = settingsOf({ hereNowCacheMs: 0 });
 * ```
 */
export interface Settings {
  readonly port: number;
  readonly host: string;
  readonly hereNowCacheMs: number;
  readonly defaultPresenceTimeout: number;
  readonly clock: EmulatorClock;
  readonly keysets: readonly EmulatorKeyset[] | undefined;
  readonly requestTimeoutMs: number;
  readonly signatureWindowSeconds: number;
  readonly rejectReplayedSignatures: boolean;
  readonly log: ((line: string) => void) | undefined;
  readonly subscribeTimeoutMs: number;
  readonly announceMax: number;
  readonly presenceIntervalMs: number;
  readonly eventBufferSize: number;
  readonly maxChannelsPerRequest: number;
  readonly maxConnections: number;
  readonly maxChannelsPerGroup: number;
  readonly maxParkedStates: number;
  readonly eventRetentionMs: number;
  readonly faults: FaultInjector | undefined;
}

const systemClock: EmulatorClock = { now: () => Date.now() };

const fail = (message: string): never => {
  throw new RangeError(`startEmulator: ${message}`);
};

type Rule = readonly [test: (v: number) => boolean, rule: string];
const POSITIVE: Rule = [(v) => v > 0, '> 0'];
const NOT_NEGATIVE: Rule = [(v) => v >= 0, '≥ 0'];
const TIMER: Rule = [(v) => v > 0 && v <= MAX_TIMER_MS, `> 0 and ≤ ${MAX_TIMER_MS}`];
const whole = (min: number): Rule => [(v) => Number.isInteger(v) && v >= min, `an integer ≥ ${min}`];

/** The number `options[name]` (its default when left out), checked against `rule`. */
const numberOf = (options: EmulatorOptions, name: keyof typeof EMULATOR_DEFAULTS & keyof EmulatorOptions, [test, rule]: Rule): number => {
  const value = options[name] ?? EMULATOR_DEFAULTS[name];
  if (typeof value !== 'number' || !Number.isFinite(value) || !test(value)) fail(`${name} must be ${rule}, got ${String(value)}`);
  return value as number;
};

const KEYSET_FIELDS: ReadonlySet<string> = new Set(['subscribeKey', 'publishKey', 'secretKey']);

/**
 * Checks `keysets`: an array of `{ subscribeKey, publishKey?, secretKey? }`, strings all, the
 * subscribe key not empty. Throws a `RangeError` naming the first problem (never a key's value).
 *
 * @example
 * ```ts
 * checkKeysets([{ subscribeKey: 'demo', secretKey: 'sec' }]); // returns them
 * checkKeysets([{ subscribeKey: '' }]);                      // throws RangeError
 * ```
 */
export function checkKeysets(keysets: unknown): readonly EmulatorKeyset[] {
  if (!Array.isArray(keysets)) throw new RangeError('keysets must be an array of { subscribeKey, publishKey?, secretKey? }');
  keysets.forEach((keyset: unknown, i) => {
    if (typeof keyset !== 'object' || keyset === null || Array.isArray(keyset)) throw new RangeError(`keysets[${i}] must be an object`);
    for (const [field, value] of Object.entries(keyset)) {
      if (!KEYSET_FIELDS.has(field)) throw new RangeError(`keysets[${i}]: unknown field "${field}"`);
      if (typeof value !== 'string' && value !== undefined) throw new RangeError(`keysets[${i}].${field} must be a string`);
    }
    const { subscribeKey } = keyset as { subscribeKey?: unknown };
    if (typeof subscribeKey !== 'string' || subscribeKey === '') throw new RangeError(`keysets[${i}].subscribeKey must be a non-empty string`);
  });
  return keysets as EmulatorKeyset[];
}

/** Runs a check that throws `RangeError`, with `startEmulator: ` before its message. */
const named = <T>(check: () => T): T => {
  try {
    return check();
  } catch (error) {
    if (error instanceof RangeError) fail(error.message);
    throw error;
  }
};

/**
 * Applies the defaults to `options` and checks every value.
 *
 * @example
 * ```ts
 * settingsOf({ port: 70000 }); // throws RangeError: startEmulator: port must be an integer 0–65535, got 70000
 * ```
 */
export function settingsOf(options: EmulatorOptions): Settings {
  const port = options.port ?? EMULATOR_DEFAULTS.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) fail(`port must be an integer 0–65535, got ${String(port)}`);
  return {
    port,
    host: options.host ?? EMULATOR_DEFAULTS.host,
    hereNowCacheMs: numberOf(options, 'hereNowCacheMs', NOT_NEGATIVE),
    defaultPresenceTimeout: numberOf(options, 'defaultPresenceTimeout', POSITIVE),
    clock: options.clock ?? systemClock,
    keysets: options.keysets === undefined ? undefined : named(() => checkKeysets(options.keysets)),
    requestTimeoutMs: numberOf(options, 'requestTimeoutMs', POSITIVE),
    signatureWindowSeconds: numberOf(options, 'signatureWindowSeconds', NOT_NEGATIVE),
    rejectReplayedSignatures: options.rejectReplayedSignatures ?? EMULATOR_DEFAULTS.rejectReplayedSignatures,
    log: options.log,
    subscribeTimeoutMs: numberOf(options, 'subscribeTimeoutMs', TIMER),
    announceMax: numberOf(options, 'announceMax', whole(0)),
    presenceIntervalMs: numberOf(options, 'presenceIntervalMs', TIMER),
    eventBufferSize: numberOf(options, 'eventBufferSize', whole(1)),
    maxChannelsPerRequest: numberOf(options, 'maxChannelsPerRequest', whole(1)),
    maxConnections: numberOf(options, 'maxConnections', whole(1)),
    maxChannelsPerGroup: numberOf(options, 'maxChannelsPerGroup', whole(1)),
    maxParkedStates: numberOf(options, 'maxParkedStates', whole(0)),
    eventRetentionMs: numberOf(options, 'eventRetentionMs', POSITIVE),
    faults: options.faults === undefined ? undefined : named(() => new FaultInjector(options.faults!)),
  };
}
