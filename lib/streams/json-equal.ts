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

/**
 * The most value pairs one comparison visits. Data from the wire has far fewer nodes (a response
 * is capped at a few MB); only a cyclic value, which is not JSON, gets here, and is then reported
 * as different rather than compared forever.
 */
const MAX_STEPS = 10_000_000;

/**
 * Compares two values already passed through {@link asJson}, with an explicit stack of pending
 * pairs rather than recursion: a peer's state nested thousands of levels deep (which the service
 * lets through within its 32 KiB) must not overflow the call stack and end a stream.
 */
function equalWritten(first: unknown, second: unknown): boolean {
  // Pairs to compare, flattened: [a0, b0, a1, b1, …].
  const pending: unknown[] = [first, second];
  for (let steps = 0; pending.length > 0; steps++) {
    if (steps > MAX_STEPS) return false;
    const b = pending.pop();
    const a = pending.pop();
    if (a === b) continue;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    const aIsArray = Array.isArray(a);
    if (aIsArray !== Array.isArray(b)) return false;
    if (aIsArray) {
      if (!pushArrayPairs(a as readonly unknown[], b as readonly unknown[], pending)) return false;
    } else if (!pushObjectPairs(a as Readonly<Record<string, unknown>>, b as Readonly<Record<string, unknown>>, pending)) {
      return false;
    }
  }
  return true;
}

/** Queues the element pairs that still need a deep look; false when the arrays already differ. */
function pushArrayPairs(a: readonly unknown[], b: readonly unknown[], pending: unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    // Inside an array JSON writes a dropped value as `null` rather than leaving it out.
    const jx = asJson(x);
    const jy = asJson(y);
    pending.push(jx === undefined ? null : jx, jy === undefined ? null : jy);
  }
  return true;
}

/** Queues the property pairs that still need a deep look; false when the key sets already differ. */
function pushObjectPairs(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>, pending: unknown[]): boolean {
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
    if (x !== y) pending.push(x, asJson(y));
  }
  let writtenInB = 0;
  for (const key in b) {
    if (hasOwn.call(b, key) && asJson(b[key]) !== undefined) writtenInB++;
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
 * bigint, which `JSON.stringify` rejects, is compared by value.
 *
 * It never throws on deep data: the walk keeps its own stack instead of recursing, so a state
 * nested hundreds of thousands of levels deep is compared like any other. Cyclic values are not
 * JSON; they are reported as different once the walk has visited ten million pairs, instead of
 * looping forever.
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
