import type { Keyset } from '../keyset';

const ids = new WeakMap<object, number>();
let next = 0;

/**
 * A small stable number per object (a keyset, a codec, a `userOf` function), for the keys of
 * shared loops, polls and rosters: equal for the same object, never for two.
 *
 * @example
 * ```ts
 * objectId(codec) === objectId(codec); // true
 * ```
 */
export function objectId(value: object): number {
  let id = ids.get(value);
  if (id === undefined) ids.set(value, (id = next++));
  return id;
}

/** A small stable number per keyset object, for keys of shared loops and polls. */
export const keysetId: (keyset: Keyset) => number = objectId;
