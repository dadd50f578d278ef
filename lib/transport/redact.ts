/**
 * Redaction of credentials from everything an error carries. A server, or a proxy in front of it,
 * may echo the request back in a message, a body, a reason phrase or a network error: so besides
 * the URL we build, every string is cleaned, of the actual secret values in the forms they travel
 * in as well as of `auth=` / `signature=` patterns and anything shaped like a v2 signature.
 */
import { PresenceError, type DecodeIssue } from '../errors';
import { encodeString } from '../protocol/encoding';
import { CREDENTIAL_PARAMS } from '../protocol/signing';

const CREDENTIAL = new RegExp(`\\b(${CREDENTIAL_PARAMS.join('|')})=[^&\\s'"]*`, 'g');
/** A v2 signature: `v2.` and 43 base64url characters (32 bytes of HMAC-SHA256). */
const SIGNATURE = /\bv2\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;
const MASK = '***';

/**
 * The secret values of a request and the forms they travel in (as is, percent-encoded the way we
 * send them, the way `encodeURIComponent` and forms write them, encoded twice), longest first so
 * that a longer form is replaced whole.
 *
 * @example
 * ```ts
 * secretForms(['a/b']); // ['a%252Fb', 'a%2Fb', 'a/b']
 * ```
 */
export function secretForms(values: readonly (string | undefined)[]): string[] {
  const forms = new Set<string>();
  for (const value of values) {
    if (value === undefined || value === '') continue;
    const encoded = encodeString(value);
    for (const form of [value, encoded, encodeURIComponent(value), encodeURIComponent(value).replace(/%20/g, '+'), encodeURIComponent(encoded)]) forms.add(form);
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * Replaces credentials in any text: each of `secrets` (see {@link secretForms}) wherever it
 * appears, `auth=` and `signature=` values, and v2 signatures.
 *
 * @example
 * ```ts
 * redactText('GET /x?auth=k&uuid=me');                 // 'GET /x?auth=***&uuid=me'
 * redactText('your key sesame is wrong', ['sesame']); // 'your key *** is wrong'
 * ```
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
  return out.replace(CREDENTIAL, `$1=${MASK}`).replace(SIGNATURE, MASK);
}

/** How much of a value an error keeps: deeper or larger parts become a marker. */
const MAX_DEPTH = 32;
const MAX_NODES = 10_000;
const TRUNCATED = '[truncated]';

/**
 * A copy of JSON-like data with every string (keys too) passed through {@link redactText},
 * bounded to 32 levels and 10,000 values so that an error stays cheap to print and
 * `JSON.stringify(error)` cannot overflow the stack on a peer's deeply nested data. Walks with
 * its own stack: never recursion on untrusted data.
 *
 * @example
 * ```ts
 * redactValue({ auth_key: 'k', note: ['k!'] }, ['k']); // { auth_key: '***', note: ['***!'] }
 * ```
 */
function redactValue(value: unknown, secrets: readonly string[]): unknown {
  const root: { value?: unknown } = {};
  const pending: Array<{ source: unknown; target: Record<string, unknown> | unknown[]; key: string | number; depth: number }> = [
    { source: value, target: root as Record<string, unknown>, key: 'value', depth: 0 },
  ];
  let nodes = 0;
  while (pending.length > 0) {
    const { source, target, key, depth } = pending.pop()!;
    // defineProperty, so that a key such as `__proto__` stays a plain property of the copy.
    const put = (v: unknown) => Object.defineProperty(target, key, { value: v, enumerable: true, writable: true, configurable: true });
    nodes += 1;
    if (typeof source === 'string') put(redactText(source, secrets));
    else if (typeof source !== 'object' || source === null) put(source);
    else if (depth >= MAX_DEPTH || nodes > MAX_NODES) put(TRUNCATED);
    else if (Array.isArray(source)) {
      const copy: unknown[] = new Array<unknown>(source.length);
      put(copy);
      for (let i = 0; i < source.length; i++) pending.push({ source: source[i], target: copy, key: i, depth: depth + 1 });
    } else {
      const copy: Record<string, unknown> = {};
      put(copy);
      for (const [k, v] of Object.entries(source)) {
        const safeKey = redactText(k, secrets);
        pending.push({ source: v, target: copy, key: safeKey, depth: depth + 1 });
      }
    }
  }
  return root.value;
}

/** A copy of an `Error` (a fetch failure, say) with its text redacted; never the original. */
function redactCause(cause: unknown, secrets: readonly string[], depth: number): unknown {
  if (cause instanceof PresenceError) return depth > 3 ? undefined : redactPresenceError(cause, secrets, depth + 1);
  if (!(cause instanceof Error)) return cause === undefined ? undefined : redactValue(cause, secrets);
  const { code, errno } = cause as { code?: unknown; errno?: unknown };
  const copy = new Error(redactText(String(cause.message), secrets));
  copy.name = cause.name;
  if (code !== undefined) Object.assign(copy, { code });
  if (errno !== undefined) Object.assign(copy, { errno });
  if (typeof cause.stack === 'string') copy.stack = redactText(cause.stack, secrets);
  return copy;
}

function redactPresenceError(error: PresenceError, secrets: readonly string[], depth: number): PresenceError {
  const { details } = error;
  const safe = { ...details };
  if (details.serviceMessage !== undefined) Object.assign(safe, { serviceMessage: redactText(details.serviceMessage, secrets) });
  if (details.url !== undefined) Object.assign(safe, { url: redactText(details.url, secrets) });
  if ('body' in details) Object.assign(safe, { body: redactValue(details.body, secrets) });
  if (details.issues !== undefined) {
    const issues: DecodeIssue[] = details.issues.slice(0, 100).map((issue) => ({
      path: redactText(issue.path, secrets),
      expected: issue.expected,
      actual: redactValue(issue.actual, secrets),
    }));
    Object.assign(safe, { issues });
  }
  const cause = redactCause((error as { cause?: unknown }).cause, secrets, depth);
  const copy = new PresenceError(error.category, redactText(error.message, secrets), safe, cause === undefined ? undefined : { cause });
  if (typeof error.stack === 'string') copy.stack = redactText(error.stack, secrets);
  return copy;
}

/**
 * A copy of a {@link PresenceError} in which every string it carries (message, stack, service
 * message, URL, body, decode issues, cause) is redacted with {@link redactText}, and the body and
 * issues are bounded (see {@link redactValue}).
 *
 * @example
 * ```ts
 * const safe = redactError(error, secretForms([keys.authKey, keys.secretKey, signature]));
 * ```
 */
export function redactError(error: PresenceError, secrets: readonly string[]): PresenceError {
  return redactPresenceError(error, secrets, 0);
}
