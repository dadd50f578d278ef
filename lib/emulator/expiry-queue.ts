/**
 * One scheduled deadline: `at` is ms since epoch, `item` whatever the owner needs to find the entry again.
 *
 * @example
 * ```ts
 * const deadline: Deadline<string> = { at: Date.now() + 300_000, item: 'lobby|alice' };
 * ```
 */
export interface Deadline<T> {
  readonly at: number;
  readonly item: T;
}

/**
 * A binary min-heap of deadlines, so that expiring presence costs O(log n) per *expiring* entry
 * instead of a scan of every occupant on every tick.
 *
 * It never removes or re-keys entries in place: owners push a new deadline and recognise stale ones
 * when they pop (lazy deletion), which keeps the heap a plain array. {@link ExpiryQueue.rebuild}
 * lets an owner drop accumulated stale entries in O(n) when they start to dominate.
 *
 * @example
 * ```ts
 * const queue = new ExpiryQueue<string>();
 * queue.push(2000, 'b');
 * queue.push(1000, 'a');
 * queue.popDue(1500); // { at: 1000, item: 'a' }
 * queue.popDue(1500); // undefined: 'b' is not due yet
 * ```
 */
export class ExpiryQueue<T> {
  private heap: Deadline<T>[] = [];

  /** Number of entries, stale ones included. */
  get size(): number {
    return this.heap.length;
  }

  /** Schedules `item` at `at` (ms). */
  push(at: number, item: T): void {
    const heap = this.heap;
    heap.push({ at, item });
    let i = heap.length - 1;
    const entry = heap[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].at <= entry.at) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = entry;
  }

  /** Whether the earliest entry is due at `now`. */
  isDue(now: number): boolean {
    return this.heap.length > 0 && this.heap[0].at <= now;
  }

  /** Removes and returns the earliest entry if it is due at `now`, else `undefined`. */
  popDue(now: number): Deadline<T> | undefined {
    if (!this.isDue(now)) return undefined;
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop() as Deadline<T>;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** Replaces the content with `entries` in O(n) (Floyd's heapify): how owners compact stale entries. */
  rebuild(entries: Deadline<T>[]): void {
    this.heap = entries;
    for (let i = (entries.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    const length = heap.length;
    const entry = heap[start];
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && heap[right].at < heap[left].at ? right : left;
      if (heap[child].at >= entry.at) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = entry;
  }
}
