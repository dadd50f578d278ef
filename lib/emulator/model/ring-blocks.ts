import { CHUNK_ENTRIES, Chunked, chunkOf } from './chunked';

/** The smallest block: a ring of a few messages (8 = 2³). */
const SMALLEST_CLASS = 3;

/**
 * Chunks with no block in use that a {@link RingBlocks} keeps rather than releases: a ring that
 * grows takes a block of the next size and gives back its old one, so a chunk often empties only
 * to be used again at once. Past this many, every empty chunk is released in one sweep.
 *
 * @example
 * ```ts
 * // What a RingBlocks holds: the chunks its live blocks lie in, and at most this many more.
 * const mostHeld = (chunksInUse: number) => (chunksInUse + EMPTY_CHUNKS_KEPT) * CHUNK_ENTRIES;
 * ```
 */
export const EMPTY_CHUNKS_KEPT = 8;

/** The size class of a block holding `length` entries: log₂ of the power of two it is rounded up to. */
const classOf = (length: number): number => Math.max(SMALLEST_CLASS, 32 - Math.clz32(length - 1));

/** Chunks a block of `sizeClass` lies in, and so a chunk of its blocks takes: 1, or more for a block larger than a chunk. */
const spanOf = (sizeClass: number): number => Math.max(1, 2 ** sizeClass / CHUNK_ENTRIES);

/**
 * Blocks of int32 entries for the channels' rings of slot numbers, carved out of one shared
 * {@link Chunked} column instead of one typed array per ring. A block's size is a power of two
 * (at least 8); a block is known by the index of its first entry.
 *
 * Why: a ring starts small and doubles as its channel buffers more messages. At a million
 * occupants on 10,000 channels, a mass timeout grows every ring at once, and each growth made a new
 * typed array that lived on: about 2 MB that one of V8's scavenges had to copy (a 4–5 ms pause in
 * the middle of the expiry). Taking a block here allocates nothing.
 *
 * Each chunk holds blocks of one size (a block larger than a chunk takes consecutive ones), so a
 * block never straddles a chunk it shares. A new chunk is cut only when every chunk of that size
 * is full, and a chunk whose blocks are all given back is released (once more than
 * {@link EMPTY_CHUNKS_KEPT} are empty). So what is held is at most, for each size, the most blocks
 * of that size in use at once, and after a mass event it shrinks back to what is still in use.
 *
 * @example
 * ```ts
 * const blocks = new RingBlocks();
 * const at = blocks.take(8);   // 8 entries: at … at + 7
 * blocks.set(at + 3, 42);
 * blocks.get(at + 3);          // 42
 * blocks.give(at, 8);
 * ```
 */
export class RingBlocks {
  private readonly entries = new Chunked(chunkOf.int32, 0);
  /** Chunk numbers handed out so far are below this one (some of them may be spare). */
  private chunksTaken = 0;
  /** Released chunk numbers, for the next chunks cut (their storage is gone): the numbers in use stay within the peak. */
  private readonly spare = new Set<number>();
  /**
   * By chunk number (the first chunk of a block larger than one): the first entries of its free
   * blocks, or undefined for a chunk that is spare or continues a larger block. Small integers: a
   * plain array holds them unboxed.
   */
  private readonly freeIn: (number[] | undefined)[] = [];
  /** By chunk number: its size class, and how many of its blocks are in use. */
  private readonly classIn: number[] = [];
  private readonly liveIn: number[] = [];
  /** By size class: the chunks that have a free block, the one taken from last on top. */
  private readonly open: number[][] = [];
  /** Chunks cut and not released that have no block in use (a block's run of chunks counts them all). */
  private emptyChunks = 0;
  /** First chunks that became empty since the last sweep (some may be in use again): what the next sweep looks at. */
  private emptied: number[] = [];
  /** Blocks taken and not given back. */
  private taken = 0;

  /** Entries held in chunks, in use or not (for tests of the memory bound). */
  get entriesHeld(): number {
    return (this.chunksTaken - this.spare.size) * CHUNK_ENTRIES;
  }

  /** The size of the block {@link RingBlocks.take} returns for `length` entries. */
  static sizeFor(length: number): number {
    return 2 ** classOf(length);
  }

  /** A block of {@link RingBlocks.sizeFor}(`length`) entries; returns its first entry's index. */
  take(length: number): number {
    const sizeClass = classOf(length);
    const open = (this.open[sizeClass] ??= []);
    const chunk = open.length > 0 ? open[open.length - 1] : this.cut(sizeClass, open);
    const free = this.freeIn[chunk]!;
    const at = free.pop()!;
    if (free.length === 0) open.pop();
    if (this.liveIn[chunk]++ === 0) this.emptyChunks -= spanOf(sizeClass);
    this.taken++;
    return at;
  }

  /** Gives back the block at `at`, taken for `length` entries. */
  give(at: number, length: number): void {
    const sizeClass = classOf(length);
    const chunk = Math.floor(at / CHUNK_ENTRIES);
    const free = this.freeIn[chunk]!;
    if (free.length === 0) this.open[sizeClass].push(chunk);
    free.push(at);
    if (--this.taken === 0) return this.clear();
    if (--this.liveIn[chunk] > 0) return;
    this.emptyChunks += spanOf(sizeClass);
    this.emptied.push(chunk);
    if (this.emptyChunks > EMPTY_CHUNKS_KEPT) this.releaseEmpty();
  }

  get(index: number): number {
    return this.entries.get(index);
  }

  set(index: number, value: number): void {
    this.entries.set(index, value);
  }

  /** A new chunk (or run of chunks, for one block) of free blocks of `sizeClass`, added to `open`. */
  private cut(sizeClass: number, open: number[]): number {
    const size = 2 ** sizeClass;
    const span = spanOf(sizeClass);
    let chunk = this.spareRun(span);
    if (chunk === undefined) {
      chunk = this.chunksTaken;
      this.chunksTaken += span;
    } else {
      for (let k = chunk; k < chunk + span; k++) this.spare.delete(k);
    }
    const start = chunk * CHUNK_ENTRIES;
    const free: number[] = [];
    // Highest first, so blocks are taken in increasing order.
    for (let at = start + span * CHUNK_ENTRIES - size; at >= start; at -= size) free.push(at);
    this.freeIn[chunk] = free;
    this.classIn[chunk] = sizeClass;
    this.liveIn[chunk] = 0;
    this.emptyChunks += span;
    open.push(chunk);
    return chunk;
  }

  /** The first of `span` consecutive spare chunk numbers, if there are. */
  private spareRun(span: number): number | undefined {
    for (const first of this.spare) {
      let k = 1;
      while (k < span && this.spare.has(first + k)) k++;
      if (k === span) return first;
    }
    return undefined;
  }

  /**
   * Releases every chunk with no block in use; their numbers are spare, for the next cuts. Looks
   * only at the chunks emptied since the last sweep, and filters each size's open list once: a
   * sweep costs what was emptied, not every chunk held.
   */
  private releaseEmpty(): void {
    const classes = new Set<number>();
    for (const chunk of this.emptied) {
      if (this.freeIn[chunk] === undefined || this.liveIn[chunk] !== 0) continue;
      const sizeClass = this.classIn[chunk];
      classes.add(sizeClass);
      this.freeIn[chunk] = undefined;
      for (let k = chunk; k < chunk + spanOf(sizeClass); k++) {
        this.entries.release(k);
        this.spare.add(k);
      }
    }
    for (const sizeClass of classes) this.open[sizeClass] = this.open[sizeClass].filter((chunk) => this.freeIn[chunk] !== undefined);
    this.emptied = [];
    this.emptyChunks = 0;
  }

  /** Nothing in use: lets the chunks go (a few are kept by {@link Chunked.clear}). */
  private clear(): void {
    this.entries.clear();
    this.chunksTaken = 0;
    this.spare.clear();
    this.freeIn.length = 0;
    this.classIn.length = 0;
    this.liveIn.length = 0;
    this.open.length = 0;
    this.emptyChunks = 0;
    this.emptied = [];
  }
}
