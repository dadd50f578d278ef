import { splitNames } from '../../protocol/encoding';

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

/**
 * A query key or value as the service reads it: `+` is a space (form encoding, which Dart and old
 * Python send), then percent-decoding.
 *
 * @example
 * ```ts
 * decodeFormComponent('a+b%2Cc'); // 'a b,c'
 * ```
 */
export const decodeFormComponent = (text: string): string =>
  text.indexOf('+') < 0 ? decodeComponent(text) : decodeComponent(text.replace(/\+/g, ' '));

/**
 * A request's query string as the service reads it.
 *
 * Values are decoded form-style (`+` is a space, which Dart and old Python send) and a key sent
 * without `=` (Dart's `&add&remove=…`) counts as *not given* for {@link RequestQuery.get}, while
 * {@link RequestQuery.all} keeps it as `''`, which is how it was signed. A repeated key keeps
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

  /** Every parameter with its decoded value, valueless keys as `''`: a fresh object each call. */
  all(): Record<string, string> {
    return Object.fromEntries(this.values);
  }
}
