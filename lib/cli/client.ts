import { randomUUID } from 'node:crypto';
import { tap } from 'rxjs';
import { createFetchTransport, DEFAULT_ORIGIN, isPresenceError, Keyset, Presence, type PresenceError, type Transport } from '../index';
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
  /** `--timeout`: milliseconds per attempt. */
  readonly timeout?: number;
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
  /** The longest one attempt of a request may take (`--timeout`); the library's 15 s when unset. */
  readonly timeoutMs?: number;
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
    ...(options.timeout === undefined ? {} : { timeoutMs: options.timeout }),
  };
}

/**
 * What a command wants to hear from its client's requests.
 *
 * @example
 * ```ts
 * const hooks: ClientHooks = { onRetry: (error, attempt) => io.stderr.write(`retrying (attempt ${attempt}): ${error.category}\n`) };
 * ```
 */
export interface ClientHooks {
  /** Before each retry of a one-shot call (a leave included): the failure and the coming attempt's number (2 for the first retry). */
  readonly onRetry?: (error: PresenceError, attempt: number, delayMs: number) => void;
  /** The outcome of each leave, after its retries: `undefined` when it was answered, else its error. */
  readonly onLeave?: (error: unknown) => void;
}

/**
 * The library's fetch transport, tuned for a terminal: `--timeout` bounds every attempt (except
 * the subscribe long-poll, which the service holds on purpose), retries are announced through
 * `onRetry`, and a leave is retried by the transport like any one-shot call, so that its retries
 * show and the command learns its outcome (the heartbeat loop drops a leave's errors, which is
 * right for an app and wrong for a command whose exit code must say whether we left).
 */
function cliTransport(settings: ClientSettings, hooks: ClientHooks): Transport {
  const { timeoutMs } = settings;
  const transport = createFetchTransport({
    origin: settings.origin,
    ...(timeoutMs === undefined ? {} : { requestTimeoutMs: timeoutMs }),
    onRetry: (error, retry, delayMs) => hooks.onRetry?.(error, retry + 1, delayMs),
  });
  return (request) => {
    if (request.operation === 'leave') {
      // Without `attempts`, the transport's own retry policy applies (the loop asks for one).
      const { attempts: _loopRetries, ...leave } = request;
      return transport(bounded(leave, timeoutMs)).pipe(tap({ next: () => hooks.onLeave?.(undefined), error: (error: unknown) => hooks.onLeave?.(error) }));
    }
    return transport(request.operation === 'subscribe' ? request : bounded(request, timeoutMs));
  };
}

/** The request with its own timeout (a heartbeat's, a leave's) cut to `timeoutMs`. */
function bounded<R extends { readonly timeoutMs?: number }>(request: R, timeoutMs: number | undefined): R {
  return timeoutMs === undefined ? request : { ...request, timeoutMs: Math.min(request.timeoutMs ?? timeoutMs, timeoutMs) };
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
export function createClient(settings: ClientSettings, hooks: ClientHooks = {}): Presence {
  let keyset: Keyset;
  try {
    keyset = new Keyset(settings);
  } catch (error) {
    if (isPresenceError(error)) throw new UsageError(`--uuid: ${error.message.replace(/^config: /, '')}`);
    throw error;
  }
  return new Presence({ defaultKeyset: keyset, transport: cliTransport(settings, hooks) });
}
