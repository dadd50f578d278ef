/** Bodies for specs of hostile peers: deep states, here-now answers and subscribe envelopes. */

/** `[[[…[leaf]…]]]`, `levels` deep, built without recursion: 4,000 levels are 8 KB of JSON. */
export function nested(levels: number, leaf: unknown = 0): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

/** A here-now body of channel `lobby` with these occupants and their states. */
export const lobby = (...occupants: Array<{ uuid: string; state: unknown }>) => ({ status: 200, message: 'OK', service: 'Presence', occupancy: occupants.length, uuids: occupants });
/** A subscribe answer at timetoken `tt` carrying messages `m`. */
export const envelope = (tt: string, ...m: object[]) => ({ t: { t: tt, r: 1 }, m });
/** A presence message on `lobby-pnpres` at timetoken `tt` with payload `d`. */
export const presence = (tt: string, d: object) => ({ a: '1', f: 0, p: { t: tt, r: 1 }, k: 'sub', c: 'lobby-pnpres', b: 'lobby-pnpres', d });
