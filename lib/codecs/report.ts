import * as t from 'io-ts';
import type { DecodeIssue } from '../errors';

// Unions and intersections add the member index as a context key (`uuids.1.1.uuid`); a path a
// reader can follow skips those keys.
const isStructural = (type: t.Decoder<unknown, unknown>): boolean =>
  type instanceof t.UnionType || type instanceof t.IntersectionType;

/**
 * Turns io-ts validation errors into readable `{ path, expected, actual }` issues.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { isLeft } from 'fp-ts/Either';
 * const r = t.type({ occupancy: t.number }).decode({ occupancy: '2' });
 * if (isLeft(r)) toIssues(r.left); // [{ path: 'occupancy', expected: 'number', actual: '2' }]
 * ```
 */
export function toIssues(errors: t.Errors): DecodeIssue[] {
  return errors.map(({ context, value }) => {
    const keys = context.filter((_, i) => i > 0 && !isStructural(context[i - 1].type)).map((entry) => entry.key);
    const path = keys.reduce((acc, key) => (/^\d+$/.test(key) ? `${acc}[${key}]` : acc ? `${acc}.${key}` : key), '');
    return { path: path || '(root)', expected: context[context.length - 1].type.name, actual: value };
  });
}

const MAX_LINES = 10;
const MAX_ACTUAL = 80;

/**
 * Renders a value for a one-line message: JSON, cut to about 80 characters.
 *
 * @example
 * ```ts
 * preview({ uuid: 3 }); // '{"uuid":3}'
 * ```
 */
function preview(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    // Too deep for JSON.stringify (or cyclic); String() recurses into arrays just the same.
    try {
      text = String(value);
    } catch {
      text = Array.isArray(value) ? '[…]' : '{…}';
    }
  }
  return text.length > MAX_ACTUAL ? `${text.slice(0, MAX_ACTUAL - 1)}…` : text;
}

/**
 * Formats issues as `at path: expected X, got Y` lines, at most ten.
 *
 * @example
 * ```ts
 * formatIssues([{ path: 'occupancy', expected: 'number', actual: '2' }]);
 * // 'at occupancy: expected number, got "2"'
 * ```
 */
export function formatIssues(issues: readonly DecodeIssue[]): string {
  const lines = issues.slice(0, MAX_LINES).map((i) => `at ${i.path}: expected ${i.expected}, got ${preview(i.actual)}`);
  if (issues.length > MAX_LINES) lines.push(`… and ${issues.length - MAX_LINES} more`);
  return lines.join('\n');
}
