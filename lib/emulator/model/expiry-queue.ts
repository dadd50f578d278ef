/**
 * What {@link DeadlineHeap} holds: the record itself carries its deadline and its place in the
 * heap, so the heap needs no wrapper object per entry and can remove or re-key one in O(log n).
 *
 * @example
 * ```ts
 * const record: Scheduled = { scheduledAt: Date.now() + 300_000, heapIndex: -1 };
 * ```
 */
export interface Scheduled {
  /** The deadline the heap orders by (ms); change it only through {@link DeadlineHeap.reschedule}. */
  scheduledAt: number;
  /** The record's index in the heap's array, `-1` when it is not in the heap; maintained by the heap. */
  heapIndex: number;
}

/**
 * A binary min-heap of records by deadline, so that expiring presence costs O(log n) per
 * *expiring* record instead of a scan of every occupant on every tick.
 *
 * It is intrusive: each record stores its own index, so a leave removes its record at once and a
 * shortened timeout re-keys it in place. The heap therefore holds exactly the live records (no
 * stale entries to skip or compact) and allocates nothing per record.
 *
 * @example
 * ```ts
 * const heap = new DeadlineHeap<Scheduled>();
 * const a = { scheduledAt: 2000, heapIndex: -1 };
 * const b = { scheduledAt: 1000, heapIndex: -1 };
 * heap.push(a);
 * heap.push(b);
 * heap.popDue(1500); // b
 * heap.popDue(1500); // undefined: a is not due yet
 * heap.remove(a);    // heap.size === 0
 * ```
 */
export class DeadlineHeap<T extends Scheduled> {
  private readonly heap: T[] = [];

  /** Number of records held. */
  get size(): number {
    return this.heap.length;
  }

  /** Adds `item`, ordered by its `scheduledAt`. It must not be in a heap already. */
  push(item: T): void {
    item.heapIndex = this.heap.length;
    this.heap.push(item);
    this.siftUp(item.heapIndex);
  }

  /** The earliest record, if any, without removing it. */
  peek(): T | undefined {
    return this.heap[0];
  }

  /** Whether the earliest record is due at `now`. */
  isDue(now: number): boolean {
    return this.heap.length > 0 && this.heap[0].scheduledAt <= now;
  }

  /** Removes and returns the earliest record if it is due at `now`, else `undefined`. */
  popDue(now: number): T | undefined {
    const top = this.heap[0];
    if (top === undefined || top.scheduledAt > now) return undefined;
    this.removeAt(0);
    return top;
  }

  /** Removes `item` if it is in the heap; otherwise does nothing. */
  remove(item: T): void {
    const index = item.heapIndex;
    if (index < 0 || this.heap[index] !== item) return;
    this.removeAt(index);
  }

  /** Gives `item` (which must be in the heap) the deadline `at` and restores the order. */
  reschedule(item: T, at: number): void {
    const earlier = at < item.scheduledAt;
    item.scheduledAt = at;
    if (earlier) this.siftUp(item.heapIndex);
    else this.siftDown(item.heapIndex);
  }

  private removeAt(index: number): void {
    const heap = this.heap;
    const item = heap[index];
    const last = heap.pop() as T;
    item.heapIndex = -1;
    if (index === heap.length) return; // it was the last one
    heap[index] = last;
    last.heapIndex = index;
    if (index > 0 && heap[(index - 1) >> 1].scheduledAt > last.scheduledAt) this.siftUp(index);
    else this.siftDown(index);
  }

  private siftUp(start: number): void {
    const heap = this.heap;
    const item = heap[start];
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent];
      if (above.scheduledAt <= item.scheduledAt) break;
      heap[i] = above;
      above.heapIndex = i;
      i = parent;
    }
    heap[i] = item;
    item.heapIndex = i;
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    const length = heap.length;
    const item = heap[start];
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && heap[right].scheduledAt < heap[left].scheduledAt ? right : left;
      const below = heap[child];
      if (below.scheduledAt >= item.scheduledAt) break;
      heap[i] = below;
      below.heapIndex = i;
      i = child;
    }
    heap[i] = item;
    item.heapIndex = i;
  }
}
