/**
 * Entries per chunk. A chunk of references is 128 KB of pointers: V8 puts such an array in its
 * large-object space, where a scavenge never copies it; typed chunks live outside the heap.
 */
const CHUNK_ENTRIES = 16_384;

/** What a chunk is: a plain array or a typed array, indexable and fillable. */
interface Chunk<V> {
  [index: number]: V;
  fill(value: V): unknown;
}

/**
 * A growable column of values that never copies or reallocates what it holds: index `i` lives in
 * chunk `i / 16,384`, and chunks are added as the indexes reach them.
 *
 * What it is for: the emulator's event storage, written hundreds of thousands of times within
 * seconds in a mass timeout. Arrays that grow by `push` reallocate their backing stores over and
 * over, and each young copy that survives costs V8's scavenger time (at a million occupants,
 * 15–25 ms pauses); a typed array grown by doubling copies megabytes inside one expiry slice.
 * Chunks are allocated once and stay.
 *
 * @example
 * ```ts
 * const uuids = new Chunked<string | undefined>(() => new Array(16_384).fill(undefined), undefined);
 * const occupancy = new Chunked<number>(() => new Float64Array(16_384), 0);
 * uuids.set(0, 'alice');
 * uuids.get(0);       // 'alice'
 * uuids.clear(1, 4);  // index 0 emptied; at most 4 chunks kept for reuse
 * ```
 */
export class Chunked<V> {
  private readonly chunks: Chunk<V>[] = [];

  /**
   * @param make - A new chunk of {@link CHUNK_ENTRIES}, every entry `empty`.
   * @param empty - What an unused entry holds.
   */
  constructor(
    private readonly make: () => Chunk<V>,
    private readonly empty: V,
  ) {}

  get(index: number): V {
    const chunk = this.chunks[Math.floor(index / CHUNK_ENTRIES)];
    return chunk === undefined ? this.empty : chunk[index % CHUNK_ENTRIES];
  }

  set(index: number, value: V): void {
    const chunk = Math.floor(index / CHUNK_ENTRIES);
    while (this.chunks.length <= chunk) this.chunks.push(this.make());
    this.chunks[chunk][index % CHUNK_ENTRIES] = value;
  }

  /** Empties indexes `0 … used - 1` (releasing what they referenced) and keeps at most `keep` chunks. */
  clear(used: number, keep: number): void {
    const filled = Math.min(Math.ceil(used / CHUNK_ENTRIES), this.chunks.length, keep);
    for (let chunk = 0; chunk < filled; chunk++) this.chunks[chunk].fill(this.empty);
    this.chunks.length = Math.min(this.chunks.length, keep);
  }
}

/** Chunk makers for the columns the emulator keeps. */
export const chunkOf = {
  refs: <T>(): Chunk<T | undefined> => new Array<T | undefined>(CHUNK_ENTRIES).fill(undefined),
  float64: (): Chunk<number> => new Float64Array(CHUNK_ENTRIES),
  int32: (): Chunk<number> => new Int32Array(CHUNK_ENTRIES),
  uint8: (): Chunk<number> => new Uint8Array(CHUNK_ENTRIES),
  bigint64: (): Chunk<bigint> => new BigInt64Array(CHUNK_ENTRIES),
};
