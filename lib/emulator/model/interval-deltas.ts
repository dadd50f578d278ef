import type { PresencePayload } from './channel-log';

/**
 * Largest interval payload (bytes of JSON) that still carries the `join` / `leave` / `timeout`
 * arrays; beyond it the service sends `here_now_refresh: true` instead (protocol.md §9.1).
 *
 * @example
 * ```ts
 * Buffer.byteLength(JSON.stringify(payload)) > INTERVAL_DELTAS_MAX_BYTES; // → here_now_refresh
 * ```
 */
export const INTERVAL_DELTAS_MAX_BYTES = 32 * 1024;

type DeltaAction = 'join' | 'leave' | 'timeout';

/**
 * What changed on a channel in interval mode since its last `interval` event. Once the arrays
 * would not fit in {@link INTERVAL_DELTAS_MAX_BYTES} they are dropped (`overflow`): the next event
 * says `here_now_refresh` and memory stays bounded whatever the churn.
 *
 * @example
 * ```ts
 * const deltas = new IntervalDeltas(21);
 * deltas.add('join', 'u21');
 * intervalPayload(deltas, now); // { action: 'interval', timestamp: now, occupancy: 21, join: ['u21'] }
 * ```
 */
export class IntervalDeltas {
  join: string[] = [];
  leave: string[] = [];
  timeout: string[] = [];
  /**
   * A running *lower bound* of the arrays' JSON size: UTF-8 bytes ≥ UTF-16 length, plus quotes and
   * a comma. Once even that passes the limit the arrays cannot be sent; below it the exact size
   * is measured when the message is built.
   */
  private bytes = 0;
  overflow = false;

  constructor(public occupancy: number) {}

  get pending(): boolean {
    return this.overflow || this.join.length + this.leave.length + this.timeout.length > 0;
  }

  add(action: DeltaAction, uuid: string): void {
    if (this.overflow) return;
    this.bytes += uuid.length + 3;
    if (this.bytes > INTERVAL_DELTAS_MAX_BYTES) {
      this.overflow = true;
      this.join = [];
      this.leave = [];
      this.timeout = [];
      return;
    }
    this[action].push(uuid);
  }

  reset(): void {
    this.join = [];
    this.leave = [];
    this.timeout = [];
    this.bytes = 0;
    this.overflow = false;
  }
}

/**
 * The `interval` message for `deltas`: the occupancy and the non-empty `join` / `leave` /
 * `timeout` arrays, or `here_now_refresh: true` when they would exceed
 * {@link INTERVAL_DELTAS_MAX_BYTES}.
 *
 * @example
 * ```ts
 * intervalPayload(deltas, 1_900_000_000); // { action: 'interval', timestamp: 1900000000, occupancy: 25, join: ['u21'] }
 * ```
 */
export function intervalPayload(deltas: IntervalDeltas, timestamp: number): PresencePayload {
  const { occupancy } = deltas;
  if (!deltas.overflow) {
    const payload: Record<string, unknown> = { action: 'interval', timestamp, occupancy };
    if (deltas.join.length > 0) payload.join = deltas.join;
    if (deltas.leave.length > 0) payload.leave = deltas.leave;
    if (deltas.timeout.length > 0) payload.timeout = deltas.timeout;
    if (Buffer.byteLength(JSON.stringify(payload)) <= INTERVAL_DELTAS_MAX_BYTES) return payload;
  }
  return { action: 'interval', timestamp, occupancy, here_now_refresh: true };
}
