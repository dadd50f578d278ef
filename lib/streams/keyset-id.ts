import type { Keyset } from '../keyset';

const ids = new WeakMap<Keyset, number>();
let next = 0;

/** A small stable number per keyset object, for keys of shared loops and polls. */
export function keysetId(keyset: Keyset): number {
  let id = ids.get(keyset);
  if (id === undefined) ids.set(keyset, (id = next++));
  return id;
}
