import type { ParkedState } from './store';

/**
 * Most states parked for users not present (set-state for a uuid that is not on the channel),
 * over all subscribe keys of one emulator. Each is kept for the default presence timeout at most;
 * this caps their number too, so that a flood of set-state calls (500 channels each) cannot grow
 * memory faster than they expire. When full, the oldest parked state is dropped for the new one:
 * its uuid, should it arrive later, arrives without that state. Change it with
 * `EmulatorOptions.maxParkedStates`.
 *
 * @example
 * ```ts
 * import { MAX_PARKED_STATES } from 'rx-presence/emulator';
 * console.log(`at most ${MAX_PARKED_STATES} states wait for their users`);
 * ```
 */
export const MAX_PARKED_STATES = 10_000;

/**
 * The parked states of every store of an emulator in the order they were parked, capped at `max`:
 * admitting one more drops the oldest.
 *
 * @example
 * ```ts
 * const parked = new ParkedStates(10_000);
 * const store = new PresenceStore('demo', clock, emit, 300, parked);
 * store.setState('ghost', ['lobby'], { mood: 'ok' }); // parked.size === 1
 * ```
 */
export class ParkedStates {
  /** A Set keeps insertion order, so its first entry is the oldest. */
  private readonly entries = new Set<ParkedState>();

  constructor(readonly max: number = MAX_PARKED_STATES) {}

  /** States parked now. */
  get size(): number {
    return this.entries.size;
  }

  /** @internal Makes room (dropping the oldest) and records `entry`; `false` when nothing may be parked (`max` 0). */
  admit(entry: ParkedState): boolean {
    if (this.max <= 0) return false;
    while (this.entries.size >= this.max) {
      const oldest = this.entries.values().next().value as ParkedState;
      oldest.store.dropParked(oldest);
    }
    this.entries.add(entry);
    return true;
  }

  /** @internal */
  forget(entry: ParkedState): void {
    this.entries.delete(entry);
  }
}

