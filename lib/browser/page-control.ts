/**
 * One controller per client context, shared by `leaveOnPageHide` and `shareAcrossTabs`: it decides
 * where each shared loop of the context gets its rounds from (its own, a leader tab's, or none
 * while the page is hidden away or offline) and tells the helpers when loops come and go or change
 * their claims.
 *
 * It watches `context.loops` by wrapping the methods of the registries' and loops' own instances
 * (`set`, `delete`, `claim`, `restart`), and puts them back when the last helper is done: the main
 * entry stays exactly as it is, so a page that uses neither helper pays nothing for them (page (b)
 * has no room to spare), and a loop is told to follow before its first round (which waits for a
 * `timer(0)`), so a follower tab never sends a heartbeat of its own.
 */
import { NEVER, type Observable, Subject } from 'rxjs';
import type { Keyset } from '../keyset';
import type { PresenceContext } from '../presence-context';
import { keysetId } from '../streams/keyset-id';
import type { Claim, SharedLoop } from '../streams/shared-loop';
import { readLoopKey, type LoopKind } from './loop-keys';
import type { PageEnvironment } from './environment';

/**
 * Any loop of `context.loops`.
 *
 * @example
 * ```ts
 * const loops: AnyLoop[] = [...context.loops.heartbeats.values()] as AnyLoop[];
 * ```
 */
export type AnyLoop = SharedLoop<unknown, Claim>;

/**
 * A loop as the controller reports it.
 *
 * @example
 * ```ts
 * control.added$.subscribe(({ kind, key }: LoopEntry) => console.log(kind, key));
 * ```
 */
export interface LoopEntry {
  readonly kind: LoopKind;
  readonly key: string;
  readonly loop: AnyLoop;
}

/**
 * What `shareAcrossTabs` tells the controller while it shares the loops of one keyset.
 *
 * @example
 * ```ts
 * const following = control.sharing?.leader === false;
 * ```
 */
export interface SharingState {
  /** The keyset shared with the other tabs (its number here, see `keysetId`). */
  readonly keysetId: number;
  readonly keyset: Keyset;
  /** Whether this tab makes the rounds for all of them. */
  readonly leader: boolean;
  /** The leader's rounds of a loop, for a follower (the same Observable for the same loop). */
  rounds(kind: LoopKind, shared: string): Observable<unknown>;
  /** Whether another open tab holds `name` in the heartbeat loop `shared`. */
  othersHold(shared: string, name: string, group: boolean): boolean;
  /** The page is going away: say goodbye, give up the locks. */
  hide(): void;
  /** The page is back from the back/forward cache: join the tabs again. */
  restore(): void;
}

const KINDS: readonly LoopKind[] = ['heartbeats', 'polls'];

/**
 * The controller of one context; see the file notes.
 *
 * @example
 * ```ts
 * const control = pageControl(presence.context, browserEnvironment());
 * control.use();
 * control.offline = true;
 * control.apply(); // no heartbeat, no poll
 * control.release();
 * ```
 */
export class PageControl {
  /** The page is hidden away (`pagehide`): nothing is sent until it is restored. */
  pageHidden = false;
  /** The browser is offline: no heartbeat, no poll. */
  offline = false;
  /** Polls pause (every tab that could show them is hidden). */
  pollsPaused = false;
  sharing: SharingState | undefined;
  /** A loop was added (after it is controlled) or removed. */
  readonly added$ = new Subject<LoopEntry>();
  readonly removed$ = new Subject<LoopEntry>();
  /** Local claims changed: a claim, a release, a member's new state. */
  readonly changed$ = new Subject<void>();
  /** Sends the leaves due on `pagehide`; set while `leaveOnPageHide` is on. */
  leaveAll: (() => void) | undefined;
  readonly #sources = new WeakMap<AnyLoop, Observable<unknown> | undefined>();
  readonly #remote = new WeakSet<Claim>();
  #remotely = 0;
  #users = 0;
  readonly #undo: Array<() => void> = [];

  constructor(
    readonly context: PresenceContext,
    readonly environment: PageEnvironment,
  ) {}

  /** The loops of the context now. */
  *loops(): Generator<LoopEntry> {
    for (const kind of KINDS) for (const [key, loop] of this.#registry(kind)) yield { kind, key, loop };
  }

  /** Whether a claim was made for another tab (inside {@link PageControl.remotely}). */
  isRemote(claim: Claim): boolean {
    return this.#remote.has(claim);
  }

  /** Runs `subscribe`, marking the claims it makes as another tab's. */
  remotely<T>(subscribe: () => T): T {
    this.#remotely++;
    try {
      return subscribe();
    } finally {
      this.#remotely--;
    }
  }

  /** Gives every loop the source the state asks for (only where it changes: a change means a new round). */
  apply(): void {
    for (const entry of this.loops()) this.#applyTo(entry);
  }

  /** The keyset numbered `id` here: the shared one, or one of the client's named keysets. */
  keysetOf(id: number): Keyset | undefined {
    if (this.sharing?.keysetId === id) return this.sharing.keyset;
    for (const name of this.context.keysets.names()) {
      const keyset = this.context.keysets.get(name);
      if (keysetId(keyset) === id) return keyset;
    }
    return undefined;
  }

  #registry(kind: LoopKind): Map<string, AnyLoop> {
    return this.context.loops[kind] as unknown as Map<string, AnyLoop>;
  }

  #applyTo({ kind, key, loop }: LoopEntry): void {
    const source = this.#sourceFor(kind, key);
    if (this.#sources.has(loop) ? this.#sources.get(loop) === source : source === undefined) return;
    this.#sources.set(loop, source);
    loop.follow(source);
  }

  #sourceFor(kind: LoopKind, key: string): Observable<unknown> | undefined {
    if (this.pageHidden || this.offline) return NEVER;
    const { sharing } = this;
    const read = sharing === undefined ? undefined : readLoopKey(kind, key);
    if (sharing !== undefined && read?.keysetId === sharing.keysetId && !sharing.leader) return sharing.rounds(kind, read.shared);
    return kind === 'polls' && this.pollsPaused ? NEVER : undefined;
  }

  /** Starts watching the registries, for the first helper. */
  #install(): void {
    for (const kind of KINDS) {
      const registry = this.#registry(kind);
      const { set, delete: remove } = registry;
      registry.set = (key, loop) => {
        set.call(registry, key, loop);
        this.#watch(loop);
        const entry = { kind, key, loop };
        this.#applyTo(entry);
        this.added$.next(entry);
        return registry;
      };
      registry.delete = (key) => {
        const loop = registry.get(key);
        const removed = remove.call(registry, key);
        if (loop !== undefined) this.removed$.next({ kind, key, loop });
        return removed;
      };
      for (const loop of registry.values()) this.#watch(loop);
      this.#undo.push(() => {
        delete (registry as Partial<typeof registry>).set;
        delete (registry as Partial<typeof registry>).delete;
        for (const loop of registry.values()) this.#unwatch(loop);
      });
    }
    // One listener for both helpers, so the order holds whatever order they were called in: the
    // leaves (which ask the sharing who else holds what) before the sharing says goodbye.
    const hide = this.environment.pageHide$.subscribe(() => {
      this.leaveAll?.();
      this.pageHidden = true;
      this.apply();
      this.sharing?.hide();
    });
    const restore = this.environment.pageRestored$.subscribe(() => {
      this.pageHidden = false;
      this.sharing?.restore();
      this.apply();
    });
    this.#undo.push(() => {
      hide.unsubscribe();
      restore.unsubscribe();
    });
    this.apply();
  }

  #watch(loop: AnyLoop): void {
    const { claim, restart } = Object.getPrototypeOf(loop) as AnyLoop;
    // Only this tab's own claims change what it announces: a leader's stand-ins for other tabs
    // do not, and a claim's own restart (a grown union) is the claim's one change, not a second.
    let claiming = 0;
    loop.claim = (made) => {
      const remote = this.#remotely > 0;
      if (remote) this.#remote.add(made);
      claiming++;
      let release: () => void;
      try {
        release = claim.call(loop, made);
      } finally {
        claiming--;
      }
      if (!remote) this.changed$.next();
      return () => {
        release();
        if (!remote) this.changed$.next();
      };
    };
    // A member's state changed (it restarts the rounds to announce it).
    loop.restart = () => {
      restart.call(loop);
      if (claiming === 0) this.changed$.next();
    };
  }

  #unwatch(loop: AnyLoop): void {
    delete (loop as Partial<AnyLoop>).claim;
    delete (loop as Partial<AnyLoop>).restart;
    if (this.#sources.get(loop) !== undefined) loop.follow(undefined);
    this.#sources.delete(loop);
  }

  /** A helper starts using the controller. */
  use(): void {
    if (this.#users++ === 0) this.#install();
  }

  /** A helper is done; the last one puts everything back. */
  release(): void {
    if (--this.#users > 0) return;
    for (const undo of this.#undo.splice(0)) undo();
    controls.delete(this.context);
  }
}

const controls = new WeakMap<PresenceContext, PageControl>();

/**
 * The controller of `context`, made on first use with `environment`.
 *
 * @example
 * ```ts
 * pageControl(presence.context, browserEnvironment()) === pageControl(presence.context, browserEnvironment());
 * // true
 * ```
 */
export function pageControl(context: PresenceContext, environment: PageEnvironment): PageControl {
  let control = controls.get(context);
  if (control === undefined) controls.set(context, (control = new PageControl(context, environment)));
  return control;
}
