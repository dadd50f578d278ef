/**
 * Thrown when a percent-escape in the path or query is malformed; the server answers 400.
 *
 * @example
 * ```ts
 * try { decodeComponent('%ZZ'); } catch (e) { e instanceof MalformedEncodingError; } // true
 * ```
 */
export class MalformedEncodingError extends Error {
  override readonly name = 'MalformedEncodingError';
}

/**
 * `decodeURIComponent` that reports bad escapes as {@link MalformedEncodingError}, so one bad
 * request becomes a 400 rather than an exception escaping the handler.
 *
 * @example
 * ```ts
 * decodeComponent('a%20b'); // 'a b'
 * decodeComponent('%E0%A4%A'); // throws MalformedEncodingError
 * ```
 */
export function decodeComponent(text: string): string {
  // Nothing to decode: most names and values. (`indexOf` is far cheaper than decodeURIComponent.)
  if (text.indexOf('%') < 0) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    // No excerpt of the text: it may be a credential (`auth`, `signature`).
    throw new MalformedEncodingError('Malformed percent-encoding');
  }
}

/** A query key or value: `+` is a space (form encoding), then percent-decoding. */
const decodeFormComponent = (text: string): string =>
  text.indexOf('+') < 0 ? decodeComponent(text) : decodeComponent(text.replace(/\+/g, ' '));

/** Query keys whose values are credentials: never shown in records or logs. */
const CREDENTIAL_KEYS: ReadonlySet<string> = new Set(['auth', 'signature']);

/**
 * What records and logs show instead of a credential's value.
 *
 * @example
 * ```ts
 * redactQueryString('uuid=me&auth=SECRET'); // `uuid=me&auth=${REDACTED}`
 * ```
 */
export const REDACTED = '***';

/**
 * A raw query string (after `?`) with the values of `auth` and `signature` replaced by
 * {@link REDACTED}, however the key is spelled on the wire (`auth`, `%61uth`, `a+uth`…: the key is
 * decoded as the parser decodes it before it is compared). Never throws.
 *
 * @example
 * ```ts
 * redactQueryString('uuid=me&%61uth=SECRET&signature=v2.abc'); // 'uuid=me&%61uth=***&signature=***'
 * ```
 */
export function redactQueryString(search: string): string {
  if (search.indexOf('uth') < 0 && search.indexOf('ignature') < 0 && search.indexOf('%') < 0) return search;
  return search
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let key: string;
      try {
        key = decodeFormComponent(pair.slice(0, eq));
      } catch {
        // An undecodable key: the request is refused anyway; hide its value to be safe.
        return `${pair.slice(0, eq)}=${REDACTED}`;
      }
      return CREDENTIAL_KEYS.has(key) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
}

/**
 * Splits a comma list (after decoding) into names, dropping empty ones: `,` and `''` both mean
 * "none", which is how Kotlin's `channel-group=%2C` must be read.
 *
 * @example
 * ```ts
 * splitNames('a,b');  // ['a', 'b']
 * splitNames(',');    // []
 * ```
 */
export function splitNames(list: string | undefined): string[] {
  return list === undefined ? [] : list.split(',').filter((name) => name !== '');
}

/**
 * A request's query string as the service reads it.
 *
 * Values are decoded form-style (`+` is a space, which Dart and old Python send) and a key sent
 * without `=` (Dart's `&add&remove=…`) counts as *not given* for {@link RequestQuery.get}, while
 * {@link RequestQuery.signed} keeps it as `''`, which is how it was signed. A repeated key keeps
 * its last value.
 *
 * @example
 * ```ts
 * const query = RequestQuery.parse('channel-group=cg1%2Ccg2&add&state=%7B%22a%22%3A+1%7D');
 * query.list('channel-group'); // ['cg1', 'cg2']
 * query.get('add');            // undefined
 * query.get('state');          // '{"a": 1}'
 * ```
 */
export class RequestQuery {
  private constructor(
    private readonly values: ReadonlyMap<string, string>,
    /** Keys sent without `=`; `undefined` when there are none (nearly always). */
    private readonly valueless: ReadonlySet<string> | undefined,
  ) {}

  /** Parses the part after `?` (without the `?`). Throws {@link MalformedEncodingError}. */
  static parse(search: string): RequestQuery {
    const values = new Map<string, string>();
    let valueless: Set<string> | undefined;
    let from = 0;
    while (from <= search.length) {
      let to = search.indexOf('&', from);
      if (to < 0) to = search.length;
      if (to > from) {
        const eq = search.indexOf('=', from);
        if (eq < 0 || eq > to) {
          const key = decodeFormComponent(search.slice(from, to));
          values.set(key, '');
          (valueless ??= new Set()).add(key);
        } else {
          const key = decodeFormComponent(search.slice(from, eq));
          values.set(key, decodeFormComponent(search.slice(eq + 1, to)));
          valueless?.delete(key);
        }
      }
      from = to + 1;
    }
    return new RequestQuery(values, valueless);
  }

  /** The decoded value, or `undefined` when the key is absent or has no `=`. */
  get(key: string): string | undefined {
    return this.valueless !== undefined && this.valueless.has(key) ? undefined : this.values.get(key);
  }

  /** The value split on `,` with empty names dropped. */
  list(key: string): string[] {
    return splitNames(this.get(key));
  }

  /** Every parameter with its decoded value, valueless keys as `''`. */
  all(): Record<string, string> {
    return Object.fromEntries(this.values);
  }

  /**
   * {@link RequestQuery.all} with the values of `auth` and `signature` replaced by
   * {@link REDACTED}: what `requests$` records show.
   */
  redacted(): Record<string, string> {
    const query = this.all();
    for (const key of CREDENTIAL_KEYS) if (key in query) query[key] = REDACTED;
    return query;
  }

  /** What a v2 signature covers: every parameter but `signature`. */
  signed(): Record<string, string> {
    const query = this.all();
    delete query.signature;
    return query;
  }
}
