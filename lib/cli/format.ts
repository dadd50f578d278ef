import type { HereNowResult } from '../index';

/**
 * Helpers for the human-readable output: times, state, aligned columns, and the JSON shapes of
 * results whose types hold `Map`s (which `JSON.stringify` would print as `{}`).
 */

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * Local wall-clock time as `HH:MM:SS`.
 *
 * @example
 * ```ts
 * clock(Date.now()); // '14:03:27'
 * ```
 */
export function clock(ms: number): string {
  const date = new Date(ms);
  return `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

/**
 * A state as compact JSON, or `''` when there is none.
 *
 * @example
 * ```ts
 * stateText({ mood: 'ok' }); // '{"mood":"ok"}'
 * ```
 */
export function stateText(state: unknown): string {
  return state === undefined ? '' : JSON.stringify(state);
}

/**
 * Rows padded into columns (the last column is not padded), trailing spaces trimmed.
 *
 * @example
 * ```ts
 * columns([['lobby', '2'], ['games', '10']]); // ['lobby  2', 'games  10']
 * ```
 */
export function columns(rows: readonly (readonly string[])[], gap = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join(gap).trimEnd());
}

/**
 * A here-now result in plain JSON: the `--json` line of `here-now`.
 *
 * @example
 * ```ts
 * const line: HereNowJson = { totalChannels: 1, totalOccupancy: 1, channels: { lobby: { occupancy: 1, occupants: [{ uuid: 'alice' }] } } };
 * ```
 */
export interface HereNowJson {
  readonly totalChannels: number;
  readonly totalOccupancy: number;
  readonly channels: Record<string, { readonly occupancy: number; readonly occupants: readonly { uuid: string; state?: unknown }[] }>;
}

/**
 * A here-now result as plain JSON (the `--json` output of `here-now`).
 *
 * @example
 * ```ts
 * hereNowJson(result); // { totalChannels: 1, totalOccupancy: 1, channels: { lobby: { occupancy: 1, occupants: [{ uuid: 'alice' }] } } }
 * ```
 */
export function hereNowJson(result: HereNowResult): HereNowJson {
  const channels: Record<string, HereNowJson['channels'][string]> = {};
  for (const [name, channel] of result.channels) {
    channels[name] = { occupancy: channel.count, occupants: [...channel.uuids.values()].map((o) => ({ ...o })) };
  }
  return { totalChannels: result.totalChannels, totalOccupancy: result.totalOccupancy, channels };
}

/**
 * Plural with its number: `count(1, 'occupant')` is `1 occupant`, `count(2, 'occupant')` is `2 occupants`.
 *
 * @example
 * ```ts
 * count(3, 'channel'); // '3 channels'
 * ```
 */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
