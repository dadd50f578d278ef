import { CHUNK_ENTRIES, Chunked, chunkOf } from './chunked';

/** The smallest block: a ring of a few messages (8 = 2³). */
const SMALLEST_CLASS = 3;

/** The size class of a block holding `length` entries: log₂ of the power of two it is rounded up to. */
const classOf = (length: number): number => Math.max(SMALLEST_CLASS, 32 - Math.clz32(length - 1));

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
 * Blocks of one size are cut from whole chunks (a block larger than a chunk takes consecutive
 * ones), so a block never straddles a chunk it shares. A block given back waits for the next ring
 * of its size; the chunks are released when every block has been given back. So what is held is
 * at most, for each size, the most blocks of that size ever in use at once.
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
  /** Chunks handed to a size class so far. */
  private chunksTaken = 0;
  /**
   * By size class: the first entries of its free blocks (small integers: a plain array holds them
   * unboxed).
   */
  private readonly free: number[][] = [];
  /** Blocks taken and not given back. */
  private taken = 0;

  /** Entries held in chunks, in use or not (for tests of the memory bound). */
  get entriesHeld(): number {
    return this.chunksTaken * CHUNK_ENTRIES;
  }

  /** The size of the block {@link RingBlocks.take} returns for `length` entries. */
  static sizeFor(length: number): number {
    return 2 ** classOf(length);
  }

  /** A block of {@link RingBlocks.sizeFor}(`length`) entries; returns its first entry's index. */
  take(length: number): number {
    const sizeClass = classOf(length);
    const free = (this.free[sizeClass] ??= []);
    if (free.length === 0) this.cut(sizeClass, free);
    this.taken++;
    return free.pop()!;
  }

  /** Gives back the block at `at`, taken for `length` entries. */
  give(at: number, length: number): void {
    this.free[classOf(length)].push(at);
    if (--this.taken === 0) this.clear();
  }

  get(index: number): number {
    return this.entries.get(index);
  }

  set(index: number, value: number): void {
    this.entries.set(index, value);
  }

  /** Cuts new chunks into free blocks of `sizeClass`: one chunk, or as many as one block needs. */
  private cut(sizeClass: number, free: number[]): void {
    const size = 2 ** sizeClass;
    const start = this.chunksTaken * CHUNK_ENTRIES;
    const span = Math.max(size, CHUNK_ENTRIES);
    this.chunksTaken += span / CHUNK_ENTRIES;
    // Highest first, so blocks are taken in increasing order.
    for (let at = start + span - size; at >= start; at -= size) free.push(at);
  }

  /** Nothing in use: lets the chunks go (a few are kept by {@link Chunked.clear}). */
  private clear(): void {
    this.entries.clear();
    this.chunksTaken = 0;
    this.free.length = 0;
  }
}
