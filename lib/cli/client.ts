import { randomUUID } from 'node:crypto';
import { DEFAULT_ORIGIN, isPresenceError, Keyset, Presence } from '../index';
import { UsageError } from './errors';

/**
 * The global options every command accepts, as commander hands them over.
 *
 * @example
 * ```ts
 * const options: GlobalOptions = { origin: 'http://127.0.0.1:8090', subKey: 'demo', json: true };
 * ```
 */
export interface GlobalOptions {
  readonly origin?: string;
  readonly subKey?: string;
  readonly pubKey?: string;
  readonly uuid?: string;
  readonly authKey?: string;
  readonly secretKey?: string;
  readonly json?: boolean;
}

/**
 * Environment variables read when a flag is not given.
 *
 * @example
 * ```ts
 * // $ export RX_PRESENCE_ORIGIN=http://127.0.0.1:8090 RX_PRESENCE_SUB_KEY=demo
 * // $ rx-presence here-now lobby
 * process.env[ENV.subKey]; // 'demo'
 * ```
 */
export const ENV = {
  origin: 'RX_PRESENCE_ORIGIN',
  subKey: 'RX_PRESENCE_SUB_KEY',
  pubKey: 'RX_PRESENCE_PUB_KEY',
  uuid: 'RX_PRESENCE_UUID',
  authKey: 'RX_PRESENCE_AUTH_KEY',
  secretKey: 'RX_PRESENCE_SECRET_KEY',
} as const;

/**
 * Everything needed to build a client: flags first, then `RX_PRESENCE_*`, then defaults.
 *
 * @example
 * ```ts
 * const settings: ClientSettings = { origin: 'http://127.0.0.1:8090', subscribeKey: 'demo', userId: 'me' };
 * ```
 */
export interface ClientSettings {
  readonly origin: string;
  readonly subscribeKey: string;
  readonly publishKey?: string;
  readonly userId: string;
  readonly authKey?: string;
  /** Never printed: not in output, not in error messages. */
  readonly secretKey?: string;
}

const given = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

/**
 * Resolves the global options against the environment. A missing subscribe key or a malformed
 * origin is a {@link UsageError}; an unset uuid becomes a random `rx-presence-cli-…` one, so two
 * terminals never share an identity by accident.
 *
 * @example
 * ```ts
 * clientSettings({ subKey: 'demo' }, { RX_PRESENCE_ORIGIN: 'http://127.0.0.1:8090' });
 * // { origin: 'http://127.0.0.1:8090', subscribeKey: 'demo', userId: 'rx-presence-cli-1a2b3c4d' }
 * ```
 */
export function clientSettings(options: GlobalOptions, env: Readonly<Record<string, string | undefined>>): ClientSettings {
  const pick = (key: keyof typeof ENV) => given(options[key]) ?? given(env[ENV[key]]);
  const origin = pick('origin') ?? DEFAULT_ORIGIN;
  let url: URL | undefined;
  try {
    url = new URL(origin);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(`--origin must be an http(s) URL such as http://127.0.0.1:8090, got "${origin}"`);
  }
  const subscribeKey = pick('subKey');
  if (subscribeKey === undefined) throw new UsageError(`no subscribe key: pass --sub-key or set ${ENV.subKey}`);
  const publishKey = pick('pubKey');
  const authKey = pick('authKey');
  const secretKey = pick('secretKey');
  return {
    origin,
    subscribeKey,
    userId: pick('uuid') ?? `rx-presence-cli-${randomUUID().slice(0, 8)}`,
    ...(publishKey === undefined ? {} : { publishKey }),
    ...(authKey === undefined ? {} : { authKey }),
    ...(secretKey === undefined ? {} : { secretKey }),
  };
}

/**
 * A {@link Presence} client for the settings. A keyset the library rejects (a uuid over 92
 * characters) is a usage error naming the flag.
 *
 * @example
 * ```ts
 * const presence = createClient({ origin: emulator.url, subscribeKey: 'demo', userId: 'me' });
 * ```
 */
export function createClient(settings: ClientSettings): Presence {
  let keyset: Keyset;
  try {
    keyset = new Keyset(settings);
  } catch (error) {
    if (isPresenceError(error)) throw new UsageError(`--uuid: ${error.message.replace(/^config: /, '')}`);
    throw error;
  }
  return new Presence({ defaultKeyset: keyset, origin: settings.origin });
}
