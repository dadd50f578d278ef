import { type IntervalMessage, intervalPayload } from './channel-log';
import { Chunked, chunkOf } from './chunked';

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

/** The actions in the order their arrays appear in an `interval` message; an entry stores the index. */
const ACTIONS: readonly DeltaAction[] = ['join', 'leave', 'timeout'];
const ACTION_CODES: Readonly<Record<DeltaAction, number>> = { join: 0, leave: 1, timeout: 2 };


/**
 * A point in a {@link DeltaJournal}, from {@link DeltaJournal.mark}.
 *
 * @example
 * ```ts
 * const mark: JournalMark = journal.mark(); // { generation: 3, index: 120_000 }
 * ```
 */
export interface JournalMark {
  readonly generation: number;
  readonly index: number;
}

/**
 * The pending deltas of *every* channel in interval mode, in one structure: each entry is a uuid,
 * its action and the index of its channel's next entry (a list per channel, threaded through
 * shared arrays).
 *
 * Why not an array per channel: a mass timeout adds hundreds of thousands of deltas within
 * seconds, and thousands of arrays growing by `push` at once kept V8's scavenges busy with their
 * reallocated backing stores: 15–20 ms pauses at a million occupants. Here an entry is three writes
 * into {@link Chunked} columns that mostly exist already, never copied and reused after a clear
 * (the action and the link in typed chunks, outside the JavaScript heap).
 *
 * Entries are never freed one by one. An interval pass (the feed's `tickSteps`) sends every list
 * begun before it started, so afterwards everything before that point goes at once
 * ({@link DeltaJournal.releaseBefore}); when no list is left at all the journal is emptied
 * ({@link DeltaJournal.clear}), and each {@link IntervalDeltas} remembers the generation its
 * entries belong to, so a list from before a clear reads as empty.
 *
 * @example
 * ```ts
 * const journal = new DeltaJournal();
 * const deltas = new IntervalDeltas(journal, 21);
 * deltas.add('join', 'u21');
 * journal.clear(); // after every channel's interval message was published
 * ```
 */
export class DeltaJournal {
  private readonly uuids = new Chunked(chunkOf.refs<string>, undefined);
  private readonly actions = new Chunked(chunkOf.uint8, 0);
  /** Float64, not Int32: indexes keep growing while lists are live across interval passes. */
  private readonly nexts = new Chunked(() => chunkOf.float64(-1), -1);
  /** Index of the next entry. */
  private length = 0;
  /** Below it, everything was released ({@link DeltaJournal.releaseBefore}). */
  private start = 0;
  /** Bumped by every clear; lists of an older generation are empty. */
  generation = 0;

  /** Entries held, live or not (for tests and leak checks). */
  get size(): number {
    return this.length - this.start;
  }

  /** Where the journal is now: pass it to {@link DeltaJournal.releaseBefore} once every list begun before it was sent. */
  mark(): JournalMark {
    return { generation: this.generation, index: this.length };
  }

  /**
   * Releases the entries added before `mark`: the caller has sent (and reset) every list begun
   * before it, so lists still live began after it. A mark from before a clear is ignored.
   */
  releaseBefore(mark: JournalMark): void {
    if (mark.generation !== this.generation) return;
    if (mark.index >= this.length) return this.clear();
    this.start = Math.max(this.start, mark.index);
    this.uuids.dropBefore(this.start);
    this.actions.dropBefore(this.start);
    this.nexts.dropBefore(this.start);
  }

  /** Stores one delta at the end of the list whose last entry is `tail` (`-1`: a new list); returns its index. */
  append(tail: number, action: DeltaAction, uuid: string): number {
    const index = this.length++;
    this.uuids.set(index, uuid);
    this.actions.set(index, ACTION_CODES[action]);
    this.nexts.set(index, -1);
    if (tail >= 0) this.nexts.set(tail, index);
    return index;
  }

  /**
   * The uuids of the list starting at `head`, by action, in the order they were added; `sizes` are
   * the list's counts by action, so that each array is made at its size instead of growing.
   */
  read(head: number, sizes: Readonly<Record<DeltaAction, number>>): Record<DeltaAction, string[]> {
    const lists: Record<DeltaAction, string[]> = { join: new Array(sizes.join), leave: new Array(sizes.leave), timeout: new Array(sizes.timeout) };
    const filled = [0, 0, 0];
    for (let index = head; index >= 0; index = this.nexts.get(index)) {
      const code = this.actions.get(index);
      lists[ACTIONS[code]][filled[code]++] = this.uuids.get(index)!;
    }
    return lists;
  }

  /** Forgets every entry (their uuids are released); every list made before reads as empty. */
  clear(): void {
    this.uuids.clear();
    this.actions.clear();
    this.nexts.clear();
    this.length = 0;
    this.start = 0;
    this.generation++;
  }
}

/**
 * What changed on a channel in interval mode since its last `interval` event: its occupancy and a
 * list of deltas kept in the feed's {@link DeltaJournal}. Once the deltas would not fit in
 * {@link INTERVAL_DELTAS_MAX_BYTES} they are dropped (`overflow`): the next event says
 * `here_now_refresh`, and the channel holds no more than that limit whatever the churn (its dropped
 * entries are reclaimed with the journal's, see {@link DeltaJournal}).
 *
 * @example
 * ```ts
 * const deltas = new IntervalDeltas(journal, 21);
 * deltas.add('join', 'u21');
 * intervalMessage(deltas, now); // { timestamp: now, occupancy: 21, deltas: { join: ['u21'], leave: [], timeout: [] } }
 * ```
 */
export class IntervalDeltas {
  private head = -1;
  private tail = -1;
  /** Deltas held, by action. */
  private readonly sizes: Record<DeltaAction, number> = { join: 0, leave: 0, timeout: 0 };
  /** The journal generation `head` and `tail` belong to. */
  private generation: number;
  /**
   * A running *lower bound* of the deltas' JSON size: UTF-8 bytes ≥ UTF-16 length, plus quotes
   * and a comma. Once even that passes the limit the arrays cannot be sent; below it the exact
   * size is measured when the message is built.
   */
  private bytes = 0;
  overflow = false;

  constructor(
    private readonly journal: DeltaJournal,
    public occupancy: number,
  ) {
    this.generation = journal.generation;
  }

  get pending(): boolean {
    return this.overflow || this.size > 0;
  }

  /** Deltas held: none once the journal was cleared after they were added. */
  get size(): number {
    return this.generation === this.journal.generation ? this.sizes.join + this.sizes.leave + this.sizes.timeout : 0;
  }

  add(action: DeltaAction, uuid: string): void {
    if (this.overflow) return;
    if (this.size === 0) this.reset();
    this.bytes += uuid.length + 3;
    if (this.bytes > INTERVAL_DELTAS_MAX_BYTES) {
      this.reset();
      this.overflow = true;
      return;
    }
    this.link(action, uuid);
  }

  /**
   * Takes `lists` (this channel's own, read before the journal was cleared) as its deltas again,
   * appended afresh; the byte count and `overflow` stay as they were.
   */
  restore(lists: Readonly<Record<DeltaAction, readonly string[]>>): void {
    this.empty();
    for (const action of ACTIONS) for (const uuid of lists[action]) this.link(action, uuid);
  }

  /** The uuids added since the last reset, by action, in order. */
  lists(): Record<DeltaAction, string[]> {
    return this.size > 0 ? this.journal.read(this.head, this.sizes) : { join: [], leave: [], timeout: [] };
  }

  reset(): void {
    this.empty();
    this.bytes = 0;
    this.overflow = false;
  }

  /** No deltas, in the journal's current generation. */
  private empty(): void {
    this.head = -1;
    this.tail = -1;
    this.sizes.join = this.sizes.leave = this.sizes.timeout = 0;
    this.generation = this.journal.generation;
  }

  /** Appends one delta to this channel's list in the journal. */
  private link(action: DeltaAction, uuid: string): void {
    this.tail = this.journal.append(this.tail, action, uuid);
    if (this.head < 0) this.head = this.tail;
    this.sizes[action]++;
  }
}

/**
 * The `interval` message for `deltas`: the occupancy and who joined, left and timed out, or no
 * deltas (the message says `here_now_refresh: true`) when the non-empty `join` / `leave` /
 * `timeout` arrays would exceed {@link INTERVAL_DELTAS_MAX_BYTES}.
 *
 * @example
 * ```ts
 * intervalMessage(deltas, 1_900_000_000); // { timestamp: 1900000000, occupancy: 25, deltas: { join: ['u21'], leave: [], timeout: [] } }
 * ```
 */
export function intervalMessage(deltas: IntervalDeltas, timestamp: number): IntervalMessage {
  const { occupancy } = deltas;
  if (!deltas.overflow) {
    const message = { timestamp, occupancy, deltas: deltas.lists() };
    if (Buffer.byteLength(JSON.stringify(intervalPayload(message))) <= INTERVAL_DELTAS_MAX_BYTES) return message;
  }
  return { timestamp, occupancy };
}
