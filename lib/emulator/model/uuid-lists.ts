import { CHUNK_ENTRIES } from './chunked';

/** A chunk's entries: the owner and sizes of each group (numbers), then its items (strings). */
type Entries = (string | number | undefined)[];

/** Below this share of live entries, a chunk that is no longer written to moves its groups out. */
const SPARSE = 1 / 8;

/** The header of a released group, in its owner's place. */
const DEAD = -1;

/**
 * Groups of string lists (the uuids of buffered `interval` messages) copied into shared chunks of
 * 16,384 references, instead of one array per list.
 *
 * Why: a mass timeout flushes an `interval` message for every busy channel going back to announce
 * mode (10,000 within a second at a million occupants), each kept for catch-up. As arrays they were
 * most of what survived V8's young generation, and each scavenge copied about 2 MB of them (pauses
 * of 6–13 ms); an array of 16,384 references is allocated in V8's large-object space, which a
 * scavenge never copies, and writing existing strings into it makes nothing new.
 *
 * A group is laid out as `[owner, k, length₁ … lengthₖ, items₁ …, itemsₖ …]` and found by its
 * position (chunk × 16,384 + offset). Releasing marks it dead (its strings stay referenced until
 * the chunk goes). A chunk is dropped when its last group goes; a chunk no longer written to with
 * under an eighth of its entries live moves its groups to the chunk being written (telling each
 * owner its new position), so one long-lived message cannot hold a whole chunk: what is held stays
 * within 8× of the entries live, plus the chunk being written.
 *
 * @example
 * ```ts
 * const positions: number[] = [];
 * const lists = new UuidLists((owner, at) => { positions[owner] = at; });
 * positions[7] = lists.add(7, [['alice'], [], ['bob']]);
 * lists.read(positions[7]); // [['alice'], [], ['bob']]
 * lists.release(positions[7]);
 * ```
 */
export class UuidLists {
  private readonly chunks: (Entries | undefined)[] = [];
  /** Entries of live groups, by chunk. */
  private readonly live: number[] = [];
  /** Entries written, by chunk (the end of its last group). */
  private readonly ends: number[] = [];
  /** Indexes of dropped chunks, for reuse. */
  private readonly spare: number[] = [];
  /** The chunk being written, `-1` before the first group. */
  private current = -1;
  /** Chunks no longer written to, to look at once the group being added is in place. */
  private readonly left: number[] = [];

  /** @param moved - Told the new position of a group that a sparse chunk moved out. */
  constructor(private readonly moved: (owner: number, at: number) => void) {}

  /** Entries held in all chunks, live or not (for tests of the memory bound). */
  get entriesHeld(): number {
    let held = 0;
    for (const chunk of this.chunks) held += chunk?.length ?? 0;
    return held;
  }

  /**
   * Copies `lists` in as one group belonging to `owner` (0 or more: -1 marks a dead group); returns
   * its position. The group being added is never moved before this returns: moving needs a chunk
   * under an eighth live, and the chunk it is placed in is either being written or holds it.
   */
  add(owner: number, lists: readonly (readonly string[])[]): number {
    let size = 2 + lists.length;
    for (const list of lists) size += list.length;
    const at = this.place(size);
    const chunk = this.chunks[Math.floor(at / CHUNK_ENTRIES)]!;
    let i = at % CHUNK_ENTRIES;
    chunk[i++] = owner;
    chunk[i++] = lists.length;
    for (const list of lists) chunk[i++] = list.length;
    for (const list of lists) for (const item of list) chunk[i++] = item;
    this.settle();
    return at;
  }

  /** The lists of the group at `at`, as new arrays. */
  read(at: number): string[][] {
    const chunk = this.chunks[Math.floor(at / CHUNK_ENTRIES)]!;
    const offset = at % CHUNK_ENTRIES;
    const count = chunk[offset + 1] as number;
    const lists: string[][] = [];
    let item = offset + 2 + count;
    for (let k = 0; k < count; k++) {
      const length = chunk[offset + 2 + k] as number;
      lists.push(chunk.slice(item, item + length) as string[]);
      item += length;
    }
    return lists;
  }

  /** Releases the group at `at`. */
  release(at: number): void {
    const index = Math.floor(at / CHUNK_ENTRIES);
    const chunk = this.chunks[index]!;
    const offset = at % CHUNK_ENTRIES;
    chunk[offset] = DEAD;
    this.live[index] -= sizeAt(chunk, offset);
    if (this.live[index] === 0) this.empty(index);
    else if (index !== this.current && this.live[index] < SPARSE * CHUNK_ENTRIES) {
      this.moveOut(index);
      this.settle();
    }
  }

  /** Releases every group. */
  clear(): void {
    this.chunks.length = this.live.length = this.ends.length = this.spare.length = 0;
    this.left.length = 0;
    this.current = -1;
  }

  /**
   * Room for `size` entries, in the chunk being written or a new one; returns their position. The
   * chunk left behind is looked at by {@link UuidLists.settle}, once the caller has written its group.
   */
  private place(size: number): number {
    let current = this.current;
    if (current < 0 || this.ends[current] + size > CHUNK_ENTRIES) {
      if (current >= 0) this.left.push(current);
      current = this.current = this.spare.pop() ?? this.chunks.length;
      // A group never outgrows a chunk in practice (an interval message is at most 32 KB); if one
      // did, it would get a chunk of its own size. Positions stay apart: offsets are below 16,384.
      this.chunks[current] = new Array<undefined>(Math.max(CHUNK_ENTRIES, size)).fill(undefined);
      this.live[current] = 0;
      this.ends[current] = 0;
    }
    const at = current * CHUNK_ENTRIES + this.ends[current];
    this.ends[current] += size;
    this.live[current] += size;
    return at;
  }

  /** Moves out the chunks {@link UuidLists.place} left behind that are sparse (an empty one is just dropped). */
  private settle(): void {
    // A chunk left behind is in `left` once, and nothing drops it or writes to it again before
    // this looks at it.
    for (let index = this.left.pop(); index !== undefined; index = this.left.pop()) {
      if (this.live[index] < SPARSE * CHUNK_ENTRIES) this.moveOut(index);
    }
  }

  /**
   * A chunk whose last group went: the one being written starts over, any other is dropped, and so
   * is an oversized one (kept for reuse, its whole length would be held for groups of any size).
   */
  private empty(index: number): void {
    const chunk = this.chunks[index]!;
    if (index !== this.current || chunk.length > CHUNK_ENTRIES) {
      if (index === this.current) this.current = -1;
      return this.drop(index);
    }
    chunk.fill(undefined, 0, this.ends[index]);
    this.ends[index] = 0;
  }

  /** Lets a chunk go (the caller has seen that it is not the one being written, or stopped writing it). */
  private drop(index: number): void {
    this.chunks[index] = undefined;
    this.spare.push(index);
  }

  /** Moves a sparse chunk's live groups to the chunk being written, then drops it. */
  private moveOut(index: number): void {
    const chunk = this.chunks[index]!;
    const end = this.ends[index];
    this.drop(index);
    for (let offset = 0; offset < end; offset += sizeAt(chunk, offset)) {
      const owner = chunk[offset] as number;
      if (owner === DEAD) continue;
      const size = sizeAt(chunk, offset);
      const at = this.place(size);
      const target = this.chunks[Math.floor(at / CHUNK_ENTRIES)]!;
      const to = at % CHUNK_ENTRIES;
      for (let i = 0; i < size; i++) target[to + i] = chunk[offset + i];
      this.moved(owner, at);
    }
  }
}

/** Entries of the group at `offset`: its header and its items. */
function sizeAt(chunk: Entries, offset: number): number {
  const count = chunk[offset + 1] as number;
  let size = 2 + count;
  for (let k = 0; k < count; k++) size += chunk[offset + 2 + k] as number;
  return size;
}
