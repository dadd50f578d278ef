/**
 * Deep equality as JSON sees it, for comparing presence states without serialising them: the diff
 * runs once per occupant per poll, and `JSON.stringify` twice per occupant both allocates and
 * gets key order wrong (`{a,b}` and `{b,a}` are the same state).
 */

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * What `JSON.stringify` writes in place of `value` (its SerializeJSONProperty step): `toJSON()`
 * applied once, boxed primitives unboxed, non-finite numbers as `null`, and `undefined` for what
 * JSON drops (`undefined`, functions, symbols). Plain data from `JSON.parse` passes straight
 * through, so the usual case costs a `typeof` and, for objects, one missed property lookup.
 */
function asJson(value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object': {
      if (value === null) return null;
      let v: unknown = value;
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') {
        v = toJSON.call(value);
        if (typeof v !== 'object' || v === null) return asJson(v);
      }
      if (v instanceof Number || v instanceof String || v instanceof Boolean) return asJson(v.valueOf());
      return v;
    }
    default:
      return value;
  }
}

/** Whether JSON leaves this property out of an object. */
function isDropped(value: unknown): boolean {
  switch (typeof value) {
    case 'undefined':
    case 'function':
    case 'symbol':
      return true;
    case 'object':
      return value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function' && asJson(value) === undefined;
    default:
      return false;
  }
}

/** Compares two values already passed through {@link asJson}. */
function equalWritten(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const aIsArray = Array.isArray(a);
  if (aIsArray !== Array.isArray(b)) return false;
  return aIsArray
    ? equalArrays(a as readonly unknown[], b as readonly unknown[])
    : equalObjects(a as Readonly<Record<string, unknown>>, b as Readonly<Record<string, unknown>>);
}

function equalArrays(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    // Inside an array JSON writes a dropped value as `null` rather than leaving it out.
    const jx = asJson(x);
    const jy = asJson(y);
    if (!equalWritten(jx === undefined ? null : jx, jy === undefined ? null : jy)) return false;
  }
  return true;
}

function equalObjects(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  // JSON leaves out properties it cannot write, so `{ x: undefined }` equals `{}`: count the
  // written keys on each side rather than comparing `Object.keys` lengths.
  let writtenInA = 0;
  for (const key in a) {
    if (!hasOwn.call(a, key)) continue;
    const x = asJson(a[key]);
    if (x === undefined) continue;
    writtenInA++;
    if (!hasOwn.call(b, key)) return false;
    const y = b[key];
    if (x !== y && !equalWritten(x, asJson(y))) return false;
  }
  let writtenInB = 0;
  for (const key in b) {
    if (hasOwn.call(b, key) && !isDropped(b[key])) writtenInB++;
  }
  return writtenInA === writtenInB;
}

/**
 * Tells whether two values would serialise to the same JSON, ignoring object key order.
 *
 * <span class="informal">`JSON.stringify(a) === JSON.stringify(b)`, minus the allocation and
 * the key-order false negatives.</span>
 *
 * Objects are compared by their own enumerable keys, arrays element by element. Everything JSON
 * cannot write is treated the way `JSON.stringify` treats it: a property holding `undefined`, a
 * function or a symbol is as good as absent; the same inside an array reads as `null`; `NaN` and
 * `±Infinity` read as `null`; `toJSON()` is honoured (so a `Date` equals its ISO string). At the top
 * level `undefined` equals only `undefined`, which is how the presence diff reads "no state". A
 * bigint, which `JSON.stringify` rejects, is compared by value. Cyclic values are not JSON and are
 * not supported (the recursion would overflow the stack).
 *
 * ## Example
 *
 * ```ts
 * import { jsonEqual } from 'rx-presence';
 *
 * console.log(jsonEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }));
 * console.log(jsonEqual({ a: 1, gone: undefined }, { a: 1 }));
 * console.log(jsonEqual({ a: 1 }, { a: '1' }));
 *
 * // Output:
 * // true
 * // true
 * // false
 * ```
 *
 * @param a A JSON-like value.
 * @param b Another JSON-like value.
 * @return `true` when both would be written as the same JSON.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // "No value" against "a value JSON cannot write" (a function, say) is still a difference here.
  if (a === undefined || b === undefined) return false;
  return equalWritten(asJson(a), asJson(b));
}
