/**
 * The `d` of a presence message, exactly as it goes on the wire.
 *
 * @example
 * ```ts
 * const join: PresencePayload = { action: 'join', uuid: 'alice', timestamp: 1900000000, precise_timestamp: 1900000000123, occupancy: 1 };
 * ```
 */
export type PresencePayload = Readonly<Record<string, unknown>>;

/**
 * One message published on `<channel>-pnpres`.
 *
 * @example
 * ```ts
 * const message: FeedMessage = { timetoken: 19000000000000000n, channel: 'lobby', payload: join };
 * ```
 */
export interface FeedMessage {
  readonly timetoken: bigint;
  /** The channel, without the `-pnpres` suffix. */
  readonly channel: string;
  readonly payload: PresencePayload;
}

/**
 * The last `capacity` messages of one channel, oldest first, in timetoken order (they are appended
 * in the order they are issued). A ring, so appending never copies.
 *
 * @example
 * ```ts
 * const log = new ChannelLog(2);
 * log.push(m1); log.push(m2); log.push(m3); // m1 is dropped
 * log.since(m1.timetoken, 100);              // [m2, m3]
 * ```
 */
export class ChannelLog {
  private readonly items: FeedMessage[] = [];
  /** Index of the oldest message once the ring is full. */
  private head = 0;
  /** When the last message was added (clock ms), for retention. */
  lastAt = 0;

  constructor(private readonly capacity: number) {}

  push(message: FeedMessage): void {
    if (this.items.length < this.capacity) {
      this.items.push(message);
      return;
    }
    this.items[this.head] = message;
    this.head = (this.head + 1) % this.capacity;
  }

  /** Up to `limit` messages with a timetoken after `after`, oldest first: O(log n + limit). */
  since(after: bigint, limit: number): FeedMessage[] {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.at(mid).timetoken > after) hi = mid;
      else lo = mid + 1;
    }
    const found: FeedMessage[] = [];
    for (let i = lo; i < this.items.length && found.length < limit; i++) found.push(this.at(i));
    return found;
  }

  private at(index: number): FeedMessage {
    return this.items[(this.head + index) % this.items.length];
  }
}

