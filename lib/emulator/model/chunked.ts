/**
 * Entries per chunk. A chunk of references is 128 KB of pointers: V8 puts such an array in its
 * large-object space, where a scavenge never copies it; typed chunks live outside the heap.
 *
 * @example
 * ```ts
 * const chunk = Math.floor(index / CHUNK_ENTRIES); // where `index` lives
 * const offset = index % CHUNK_ENTRIES;
 * ```
 */
export const CHUNK_ENTRIES = 16_384;

/** Chunks {@link Chunked.clear} keeps for reuse by default: a few, the rest are released. */
const CHUNKS_KEPT = 4;

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
 * const uuids = new Chunked(chunkOf.refs<string>, undefined);
 * const occupancy = new Chunked(chunkOf.float64, 0);
 * uuids.set(0, 'alice');
 * uuids.get(0);       // 'alice'
 * uuids.clear();      // every index emptied; a few chunks kept for reuse
 * ```
 */
export class Chunked<V> {
  /** A chunk released on its own ({@link Chunked.release}) is a hole until an index in it is set again. */
  private readonly chunks: (Chunk<V> | undefined)[] = [];
  /** Chunks dropped from the front (see {@link Chunked.dropBefore}): `chunks[0]` is chunk number `base`. */
  private base = 0;

  /**
   * @param make - A new chunk of {@link CHUNK_ENTRIES}, every entry `empty`.
   * @param empty - What an unused entry holds.
   */
  constructor(
    private readonly make: () => Chunk<V>,
    private readonly empty: V,
  ) {}

  get(index: number): V {
    const chunk = this.chunks[Math.floor(index / CHUNK_ENTRIES) - this.base];
    return chunk === undefined ? this.empty : chunk[index % CHUNK_ENTRIES];
  }

  /** Sets `index`, which must not be below what {@link Chunked.dropBefore} dropped. */
  set(index: number, value: V): void {
    const chunk = Math.floor(index / CHUNK_ENTRIES) - this.base;
    // Chunks below it are made when first set: a released chunk stays a hole until then.
    while (this.chunks.length < chunk) this.chunks.push(undefined);
    (this.chunks[chunk] ??= this.make())[index % CHUNK_ENTRIES] = value;
  }

  /** Releases chunk number `chunk` alone: its indexes read empty, and setting one makes it anew. */
  release(chunk: number): void {
    const at = chunk - this.base;
    if (at >= 0 && at < this.chunks.length) this.chunks[at] = undefined;
  }

  /** Releases the chunks that lie wholly below `index`; the indexes keep their meaning. */
  dropBefore(index: number): void {
    const whole = Math.min(Math.floor(index / CHUNK_ENTRIES) - this.base, this.chunks.length);
    if (whole <= 0) return;
    this.chunks.splice(0, whole);
    this.base += whole;
  }

  /** Empties every index (releasing what they referenced), starting again at chunk 0, with at most `keep` chunks kept. */
  clear(keep = CHUNKS_KEPT): void {
    this.chunks.length = Math.min(this.chunks.length, keep);
    for (let i = 0; i < this.chunks.length; i++) this.chunks[i]?.fill(this.empty);
    this.base = 0;
  }
}

/**
 * Chunk makers for the columns the emulator keeps: references, and numbers in typed arrays (their
 * contents outside the JavaScript heap); `float64` takes the value its entries start with.
 *
 * @example
 * ```ts
 * const links = new Chunked(() => chunkOf.float64(-1), -1); // an unset link reads -1
 * const names = new Chunked(chunkOf.refs<string>, undefined);
 * ```
 */
export const chunkOf = {
  refs: <T>(): Chunk<T | undefined> => new Array<T | undefined>(CHUNK_ENTRIES).fill(undefined),
  float64: (fill = 0): Chunk<number> => new Float64Array(CHUNK_ENTRIES).fill(fill),
  int32: (): Chunk<number> => new Int32Array(CHUNK_ENTRIES),
  uint8: (): Chunk<number> => new Uint8Array(CHUNK_ENTRIES),
  bigint64: (): Chunk<bigint> => new BigInt64Array(CHUNK_ENTRIES),
};
