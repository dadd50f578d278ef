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
  try {
    return decodeURIComponent(text);
  } catch {
    throw new MalformedEncodingError(`Malformed percent-encoding: ${text.slice(0, 80)}`);
  }
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
    private readonly valueless: ReadonlySet<string>,
  ) {}

  /** Parses the part after `?` (without the `?`). Throws {@link MalformedEncodingError}. */
  static parse(search: string): RequestQuery {
    const values = new Map<string, string>();
    const valueless = new Set<string>();
    for (const pair of search.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = decodeComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
      values.set(key, eq < 0 ? '' : decodeComponent(pair.slice(eq + 1).replace(/\+/g, ' ')));
      if (eq < 0) valueless.add(key);
      else valueless.delete(key);
    }
    return new RequestQuery(values, valueless);
  }

  /** The decoded value, or `undefined` when the key is absent or has no `=`. */
  get(key: string): string | undefined {
    return this.valueless.has(key) ? undefined : this.values.get(key);
  }

  /** The value split on `,` with empty names dropped. */
  list(key: string): string[] {
    return splitNames(this.get(key));
  }

  /** Every parameter with its decoded value, valueless keys as `''`: for the request record. */
  all(): Record<string, string> {
    return Object.fromEntries(this.values);
  }

  /** What a v2 signature covers: every parameter but `signature`. */
  signed(): Record<string, string> {
    const query = this.all();
    delete query.signature;
    return query;
  }
}
