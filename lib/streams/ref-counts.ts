/**
 * Reference counts per name: how many members of a shared loop hold each channel or group.
 * Adding reports the names that became held; removing, the names nobody holds any more.
 */
export class RefCounts {
  readonly #counts = new Map<string, number>();

  /** Adds one reference per name; returns the names that were new. */
  add(names: readonly string[]): string[] {
    const added: string[] = [];
    for (const name of names) {
      const count = this.#counts.get(name) ?? 0;
      if (count === 0) added.push(name);
      this.#counts.set(name, count + 1);
    }
    return added;
  }

  /** Drops one reference per name; returns the names nobody holds any more. */
  remove(names: readonly string[]): string[] {
    const released: string[] = [];
    for (const name of names) {
      const count = this.#counts.get(name) ?? 0;
      if (count <= 1) {
        this.#counts.delete(name);
        released.push(name);
      } else this.#counts.set(name, count - 1);
    }
    return released;
  }

  /** Whether anyone holds the name. */
  has(name: string): boolean {
    return this.#counts.has(name);
  }

  names(): string[] {
    return [...this.#counts.keys()];
  }
}
