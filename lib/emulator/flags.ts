/**
 * The emulator's command-line flags, one table for both binaries (`rx-presence-emulator` and
 * `rx-presence emulator`): each flag's name, type, range, default, help, and the
 * {@link EmulatorOptions} field it sets. The binaries only turn the table into their parser's
 * options and the parsed values back into options with {@link emulatorOptionsOf}, so they accept
 * the same flags with the same limits and the same messages.
 */
import { FaultInjector } from './pipeline/faults';
import { checkKeysets, EMULATOR_DEFAULTS } from './settings';
import type { EmulatorFaults, EmulatorOptions } from './types';

/**
 * One command-line flag of the emulator.
 *
 * @example
 * ```ts
 * const flag: EmulatorFlag = {
 *   name: 'cache-ms', type: 'whole', min: 0, max: 86_400_000, placeholder: 'N', default: 3000,
 *   help: 'here-now answer cache in ms, as the service (0 turns it off)', option: 'hereNowCacheMs',
 * };
 * ```
 */
export interface EmulatorFlag {
  /** The long name, without the dashes: `cache-ms` is `--cache-ms`. */
  readonly name: string;
  /** A one-letter alias, without the dash. */
  readonly short?: string;
  /**
   * `whole`: a whole number from `min` to `max`; `text`: a non-empty string; `json`: a JSON value
   * checked as the emulator checks the option; `switch`: no value.
   */
  readonly type: 'whole' | 'text' | 'json' | 'switch';
  /** For `whole`: the smallest value accepted. */
  readonly min?: number;
  /** For `whole`: the largest value accepted. */
  readonly max?: number;
  /** What the value is called in the help (`N`, `HOST`, `JSON`); absent for a switch. */
  readonly placeholder?: string;
  /** The value when the flag is absent, as the help shows it. */
  readonly default?: number | string;
  /**
   * Whether the binaries pass {@link EmulatorFlag.default} when the flag is absent (the port: the
   * binaries listen on 8090, `startEmulator` on a free port); otherwise they pass nothing and the
   * emulator's own default applies.
   */
  readonly applyDefault?: boolean;
  /** What the flag does, for `--help` (without the default, which {@link emulatorFlagHelp} adds). */
  readonly help: string;
  /** The option it sets; absent for a flag of the binaries themselves (`verbose`). */
  readonly option?: keyof EmulatorOptions;
  /** For a switch: the value it gives its option (default `true`). */
  readonly sets?: boolean;
}

const D = EMULATOR_DEFAULTS;
/** Longest any duration flag may be, in ms: a day. */
const DAY_MS = 86_400_000;

/**
 * Every flag of the emulator's binaries, in the order `--help` lists them.
 *
 * @example
 * ```ts
 * import { EMULATOR_FLAGS } from 'rx-presence/emulator';
 *
 * console.log(EMULATOR_FLAGS.map((flag) => `--${flag.name}`).join(' '));
 * ```
 */
export const EMULATOR_FLAGS: readonly EmulatorFlag[] = [
  { name: 'port', short: 'p', type: 'whole', min: 0, max: 65535, placeholder: 'N', default: 8090, applyDefault: true, option: 'port', help: 'TCP port; 0 picks a free one' },
  { name: 'host', type: 'text', placeholder: 'HOST', default: D.host, applyDefault: true, option: 'host', help: 'interface to bind' },
  { name: 'cache-ms', type: 'whole', min: 0, max: DAY_MS, placeholder: 'N', default: D.hereNowCacheMs, option: 'hereNowCacheMs', help: 'here-now answer cache in ms, as the service (0 turns it off)' },
  { name: 'presence-timeout', type: 'whole', min: 1, max: 86_400, placeholder: 'N', default: D.defaultPresenceTimeout, option: 'defaultPresenceTimeout', help: 'seconds of presence for a heartbeat without "heartbeat"' },
  { name: 'request-timeout-ms', type: 'whole', min: 1, max: DAY_MS, placeholder: 'N', default: D.requestTimeoutMs, option: 'requestTimeoutMs', help: 'a request not received in full by then is answered 408' },
  { name: 'announce-max', type: 'whole', min: 0, max: 1_000_000_000, placeholder: 'N', default: D.announceMax, option: 'announceMax', help: 'occupancy above which a channel sends interval events' },
  { name: 'presence-interval-ms', type: 'whole', min: 1, max: DAY_MS, placeholder: 'N', default: D.presenceIntervalMs, option: 'presenceIntervalMs', help: 'period of interval events in ms' },
  { name: 'subscribe-timeout-ms', type: 'whole', min: 1, max: DAY_MS, placeholder: 'N', default: D.subscribeTimeoutMs, option: 'subscribeTimeoutMs', help: 'how long a subscribe long-poll is held in ms' },
  { name: 'event-buffer-size', type: 'whole', min: 1, max: 10_000_000, placeholder: 'N', default: D.eventBufferSize, option: 'eventBufferSize', help: 'presence events kept per channel for catch-up' },
  { name: 'event-retention-ms', type: 'whole', min: 1, max: 7 * DAY_MS, placeholder: 'N', default: D.eventRetentionMs, option: 'eventRetentionMs', help: "how long a channel's events stay for catch-up after its last one, in ms" },
  { name: 'max-channels', type: 'whole', min: 1, max: 1_000_000, placeholder: 'N', default: D.maxChannelsPerRequest, option: 'maxChannelsPerRequest', help: 'most channels plus groups one request may name' },
  { name: 'max-channels-per-group', type: 'whole', min: 1, max: 1_000_000, placeholder: 'N', default: D.maxChannelsPerGroup, option: 'maxChannelsPerGroup', help: 'most channels one channel group may hold' },
  { name: 'max-parked-states', type: 'whole', min: 0, max: 100_000_000, placeholder: 'N', default: D.maxParkedStates, option: 'maxParkedStates', help: 'most states kept for users not present (0 keeps none)' },
  { name: 'max-connections', type: 'whole', min: 1, max: 1_000_000, placeholder: 'N', default: D.maxConnections, option: 'maxConnections', help: 'connections served at once; more get 503 and are closed' },
  { name: 'keysets', type: 'json', placeholder: 'JSON', option: 'keysets', help: 'accept only these keysets, e.g. \'[{"subscribeKey":"demo","secretKey":"sec"}]\'; a secret key makes its requests need a signature (default: any key, unsigned)' },
  { name: 'signature-window', type: 'whole', min: 0, max: 86_400, placeholder: 'N', default: D.signatureWindowSeconds, option: 'signatureWindowSeconds', help: "seconds a signed request's timestamp may be off" },
  { name: 'accept-replayed-signatures', type: 'switch', option: 'rejectReplayedSignatures', sets: false, help: 'accept a signature used before within the window (default: refused)' },
  { name: 'faults', type: 'json', placeholder: 'JSON', option: 'faults', help: 'inject faults, deterministic under a seed, e.g. \'{"seed":7,"errorRate":0.2,"latencyMs":[10,200]}\' (fields: seed, operations, latencyMs, errorRate, errorStatuses, retryAfterSeconds, resetRate, hangRate, truncateRate, garbageRate, false200Rate; default: none)' },
  { name: 'verbose', short: 'v', type: 'switch', help: 'log one line per request' },
];

/** The value of a `json` flag, checked by the emulator's own rule for its option. */
const jsonOf = (flag: EmulatorFlag, text: string): unknown => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const want = flag.option === 'keysets' ? 'a JSON array' : 'a JSON object';
  const shaped = flag.option === 'keysets' ? Array.isArray(value) : typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!shaped) throw new RangeError(`--${flag.name} must be ${want}, got ${JSON.stringify(text.slice(0, 80))}`);
  try {
    if (flag.option === 'keysets') checkKeysets(value);
    else new FaultInjector(value as EmulatorFaults);
  } catch (error) {
    throw new RangeError(`--${flag.name}: ${(error as Error).message}`);
  }
  return value;
};

/**
 * The value `text` gives `flag`, checked: a number for `whole`, the parsed JSON for `json`.
 * Throws a `RangeError` with a one-line message naming the flag.
 *
 * @example
 * ```ts
 * parseEmulatorFlag(EMULATOR_FLAGS[0], '8080');  // 8080
 * parseEmulatorFlag(EMULATOR_FLAGS[0], 'eighty'); // throws: --port must be a whole number from 0 to 65535, got "eighty"
 * ```
 */
export function parseEmulatorFlag(flag: EmulatorFlag, text: string): unknown {
  switch (flag.type) {
    case 'whole': {
      const value = /^\d+$/.test(text) ? Number(text) : NaN;
      if (!(value >= flag.min! && value <= flag.max!)) throw new RangeError(`--${flag.name} must be a whole number from ${flag.min} to ${flag.max}, got "${text}"`);
      return value;
    }
    case 'text':
      if (text === '') throw new RangeError(`--${flag.name} must not be empty`);
      return text;
    case 'json':
      return jsonOf(flag, text);
    case 'switch':
      return true;
  }
}

/**
 * What the binaries start the emulator with.
 *
 * @example
 * ```ts
 * const { verbose, ...options }: EmulatorCliOptions = emulatorOptionsOf({ port: 0, verbose: true });
 * ```
 */
export type EmulatorCliOptions = EmulatorOptions & {
  /** `--verbose`: one line per request (the binaries print `requests$`, or pass a `log`). */
  readonly verbose: boolean;
};

/**
 * The options parsed flag values give (each already through {@link parseEmulatorFlag}, a switch
 * `true` when given), keyed by flag name. An absent flag leaves its option `undefined` (the
 * emulator's default), unless it has {@link EmulatorFlag.applyDefault}; an absent switch leaves
 * its option out.
 *
 * @example
 * ```ts
 * emulatorOptionsOf({ 'cache-ms': 0 }); // { port: 8090, host: '127.0.0.1', hereNowCacheMs: 0, …: undefined, verbose: false }
 * ```
 */
export function emulatorOptionsOf(values: Readonly<Record<string, unknown>>): EmulatorCliOptions {
  const options: Record<string, unknown> = {};
  for (const flag of EMULATOR_FLAGS) {
    const given = values[flag.name];
    if (flag.option === undefined || (flag.type === 'switch' && given !== true)) continue;
    options[flag.option] = given === undefined ? (flag.applyDefault ? flag.default : undefined) : flag.type === 'switch' ? (flag.sets ?? true) : given;
  }
  return { ...(options as EmulatorOptions), verbose: values.verbose === true };
}

/**
 * How a flag is written in the help: `-p, --port N`.
 *
 * @example
 * ```ts
 * emulatorFlagSyntax(EMULATOR_FLAGS[0]); // '-p, --port N'
 * ```
 */
export function emulatorFlagSyntax(flag: EmulatorFlag): string {
  const value = flag.placeholder === undefined ? '' : ` ${flag.placeholder}`;
  return `${flag.short === undefined ? '    ' : `-${flag.short}, `}--${flag.name}${value}`;
}

/**
 * A flag's help text with its default: what both binaries' `--help` say about it.
 *
 * @example
 * ```ts
 * emulatorFlagHelp(EMULATOR_FLAGS[0]); // 'TCP port; 0 picks a free one (default 8090)'
 * ```
 */
export function emulatorFlagHelp(flag: EmulatorFlag): string {
  return flag.default === undefined ? flag.help : `${flag.help} (default ${flag.default})`;
}
