import { validationError, type PresenceOperation } from './errors';
import type { RequestKeys } from './transport/types';
import { userId } from './validate';

/**
 * A user id: the identity presence is tracked for. Non-empty, at most 92 characters.
 *
 * @example
 * ```ts
 * const me = new UserId('alice');
 * ```
 */
export class UserId {
  constructor(
    /** The id as given, and as sent in the `uuid` query parameter. */
    readonly value: string,
  ) {
    userId('config', value);
  }

  /** The id itself, so that a `UserId` reads naturally in template strings. */
  toString(): string {
    return this.value;
  }
}


/**
 * What a {@link Keyset} is built from.
 *
 * @example
 * ```ts
 * const init: KeysetInit = { subscribeKey: 'demo', publishKey: 'demo', userId: new UserId('me') };
 * ```
 */
export interface KeysetInit {
  /** The subscribe key: names the keyset every presence request addresses. Required, non-empty. */
  readonly subscribeKey: string;
  /** The publish key; presence itself never needs it, but v2 signatures cover it when set. */
  readonly publishKey?: string;
  /** Server-side only: signs every request (v2 signature). Never logged. */
  readonly secretKey?: string;
  /** Access Manager auth key or token, sent as `auth`. Never logged. */
  readonly authKey?: string;
  /** A {@link UserId} or a plain string. */
  readonly userId: UserId | string;
}

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * The keys and identity a request is made with, as in the Dart SDK. Secrets stay out of
 * `console.log`, `JSON.stringify` and error messages.
 *
 * @example
 * ```ts
 * const keyset = new Keyset({ subscribeKey: 'demo', publishKey: 'demo', userId: new UserId('me') });
 * console.log(keyset); // Keyset { subscribeKey: 'demo', publishKey: 'demo', userId: 'me' }
 * ```
 */
export class Keyset {
  /** The subscribe key every request addresses. */
  readonly subscribeKey: string;
  /** The publish key, when one was given. */
  readonly publishKey?: string;
  /** Whose presence requests with this keyset announce and, by default, ask about. */
  readonly userId: UserId;
  // Private fields: invisible to enumeration, spread and JSON, so a logged keyset leaks nothing.
  readonly #secretKey?: string;
  readonly #authKey?: string;
  /** {@link Keyset.toRequestKeys}, made once: a keyset never changes, and every request asks for it. */
  #requestKeys?: RequestKeys;

  constructor(init: KeysetInit) {
    if (typeof init?.subscribeKey !== 'string' || init.subscribeKey.length === 0) {
      throw validationError('config', 'a keyset needs a non-empty subscribeKey');
    }
    this.subscribeKey = init.subscribeKey;
    if (init.publishKey !== undefined) this.publishKey = init.publishKey;
    this.userId = init.userId instanceof UserId ? init.userId : new UserId(init.userId);
    this.#secretKey = init.secretKey;
    this.#authKey = init.authKey;
  }

  /** The secret key, when this keyset signs requests. */
  get secretKey(): string | undefined {
    return this.#secretKey;
  }

  /** The Access Manager auth key or token. */
  get authKey(): string | undefined {
    return this.#authKey;
  }

  /** This keyset with another user id (the rest unchanged). */
  withUserId(userId: UserId | string): Keyset {
    return new Keyset({ ...this.toRequestKeys(), userId });
  }

  /** The keys in the shape the transport takes. */
  toRequestKeys(): RequestKeys {
    this.#requestKeys ??= Object.freeze(
      withoutUndefined({ subscribeKey: this.subscribeKey, userId: this.userId.value, publishKey: this.publishKey, secretKey: this.#secretKey, authKey: this.#authKey }),
    );
    return this.#requestKeys;
  }

  /** What `JSON.stringify` sees: the public fields, with `secretKey` and `authKey` as `***`. */
  toJSON(): Record<string, unknown> {
    const mask = (secret: string | undefined) => (secret === undefined ? undefined : '***');
    return withoutUndefined({ subscribeKey: this.subscribeKey, publishKey: this.publishKey, userId: this.userId.value, secretKey: mask(this.#secretKey), authKey: mask(this.#authKey) });
  }

  /** What `console.log` and `util.inspect` print: as {@link Keyset.toJSON}, on one line. */
  [inspectSymbol](): string {
    const fields = Object.entries(this.toJSON()).map(([k, v]) => `${k}: '${String(v)}'`);
    return `Keyset { ${fields.join(', ')} }`;
  }
}

/** `fields` without its undefined ones: an absent key stays absent (in JSON, spreads and logs alike). */
function withoutUndefined<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}

/**
 * How one call picks its keyset: an explicit `keyset` wins over `using`, which wins over the
 * client's default.
 *
 * @example
 * ```ts
 * presence.hereNow({ channels: ['lobby'], using: 'admin' });
 * ```
 */
export interface KeysetChoice {
  /** Overrides the default keyset for this call. */
  readonly keyset?: Keyset;
  /** The name of a keyset added with `presence.keysets.add()`. */
  readonly using?: string;
}

/**
 * Named keysets, as the Dart SDK's `keysets` store: `using: 'name'` picks one per call.
 *
 * @example
 * ```ts
 * presence.keysets.add('admin', new Keyset({ subscribeKey: 'demo', userId: 'admin' }));
 * presence.whereNow({ using: 'admin' });
 * ```
 */
export class KeysetStore {
  readonly #keysets = new Map<string, Keyset>();
  #defaultName: string | undefined;

  /** Adds (or replaces) a keyset; `useAsDefault` makes it the one calls use without `using`. */
  add(name: string, keyset: Keyset, options: { useAsDefault?: boolean } = {}): this {
    if (typeof name !== 'string' || name.length === 0) throw validationError('config', 'a keyset name must be a non-empty string');
    if (!(keyset instanceof Keyset)) throw validationError('config', `keyset "${name}" must be a Keyset`);
    this.#keysets.set(name, keyset);
    if (options.useAsDefault || this.#defaultName === undefined) this.#defaultName = name;
    return this;
  }

  /** The keyset called `name`; throws a `validation` error naming the known ones otherwise. */
  get(name: string, operation: PresenceOperation = 'config'): Keyset {
    const keyset = this.#keysets.get(name);
    if (keyset === undefined) {
      const known = [...this.#keysets.keys()].map((n) => `"${n}"`).join(', ') || 'none';
      throw validationError(operation, `no keyset named "${name}" (known: ${known})`);
    }
    return keyset;
  }

  /** The default keyset; throws a `validation` error when there is none. */
  get defaultKeyset(): Keyset {
    return this.defaultFor('config');
  }

  private defaultFor(operation: PresenceOperation): Keyset {
    if (this.#defaultName === undefined) {
      throw validationError(operation, 'no keyset given: pass `keyset` or `using`, or configure `defaultKeyset`');
    }
    return this.get(this.#defaultName, operation);
  }

  /** The names of the keysets held. */
  names(): string[] {
    return [...this.#keysets.keys()];
  }

  /** Picks the keyset for one call: an explicit `keyset`, else `using`, else the default. */
  resolve(choice: KeysetChoice, operation: PresenceOperation = 'config'): Keyset {
    if (choice.keyset !== undefined) {
      if (!(choice.keyset instanceof Keyset)) throw validationError(operation, '`keyset` must be a Keyset');
      return choice.keyset;
    }
    if (choice.using !== undefined) return this.get(choice.using, operation);
    return this.defaultFor(operation);
  }
}
