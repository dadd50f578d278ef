/**
 * "Many subscribers, one request over the union": the idea behind the heartbeat loop and the
 * here-now polls, in one place. Members claim channels and groups (ref-counted); one loop,
 * `timer(0, interval)` + `exhaustMap`, makes a round over the union; a claim that grows the union
 * restarts it with an immediate round; names nobody holds any more are released together.
 */
import {
  BehaviorSubject,
  buffer,
  catchError,
  defer,
  EMPTY,
  exhaustMap,
  filter,
  finalize,
  firstValueFrom,
  mergeMap,
  Observable,
  share,
  Subject,
  switchMap,
  takeUntil,
  timer,
} from 'rxjs';

/** Channels and groups one member (or one remote tab) holds. */
export interface Claim {
  readonly channels: readonly string[];
  readonly channelGroups: readonly string[];
}

/** What a {@link SharedLoop} does: its round, its cadence, and what it does with released names. */
interface SharedLoopOptions<T, C extends Claim> {
  /** Milliseconds between rounds. */
  readonly intervalMs: number;
  /** One round over what the loop holds now; whatever it emits goes to every member. */
  readonly round: (loop: SharedLoop<T, C>) => Observable<T>;
  /**
   * Names nobody holds any more, gathered while the current task runs (so that many members
   * ending together cost one call) and left out when claimed again meanwhile (a remount). It runs
   * to its end whatever the members do; its errors are dropped. Heartbeats leave them.
   */
  readonly release?: (names: Claim) => Observable<unknown>;
  /** A member that joins later gets the latest value at once (polls). */
  readonly replayLatest?: boolean;
  /** Called when the last claim has gone and every release is done: the loop can be dropped. */
  readonly onIdle?: () => void;
}

/**
 * One loop shared by many members over the union of their claims.
 *
 * - **Listen, then claim** ({@link SharedLoop.member}): a member subscribes to the loop before
 *   its claim grows the union, so it sees the immediate round the growth causes.
 * - A claim can also come from elsewhere ({@link SharedLoop.claim}: another tab's), and the loop
 *   can {@link SharedLoop.follow} a round stream made elsewhere (a leader tab's) instead of
 *   making its own, so that one loop serves many tabs.
 * - What it holds is queryable ({@link SharedLoop.held}, {@link SharedLoop.claims}).
 */
export class SharedLoop<T, C extends Claim = Claim> {
  readonly #channels = new RefCounts();
  readonly #groups = new RefCounts();
  readonly #claims = new Set<C>();
  // Emits whenever the union gains a name (or a member's state changes): the rounds restart with
  // an immediate one. Losing names does not restart them, so that components mounting and
  // unmounting cannot starve the cadence.
  readonly #restart = new BehaviorSubject<void>(undefined);
  // Where rounds come from: this loop's own (undefined), or a stream followed from elsewhere.
  readonly #source = new BehaviorSubject<Observable<T> | undefined>(undefined);
  // Completes every member's stream at once (process exit, page hide): their teardowns release.
  readonly #end = new Subject<void>();
  readonly #released = new Subject<Claim>();
  // Releases not yet done: scheduled, or in flight.
  readonly #pending = new BehaviorSubject(0);
  readonly #releases: boolean;
  readonly #onIdle: (() => void) | undefined;
  /** How many releases are not done yet (scheduled, or in flight); see {@link settled}. */
  readonly pending$: Observable<number> = this.#pending;
  /** The shared rounds; subscribing to it holds nothing (see {@link SharedLoop.member}). */
  readonly rounds$: Observable<T>;
  /**
   * Makes one round (the options' `round`). Public so that a status board can wrap it to watch
   * the rounds (`status-board.ts`): a page that never asks for status pays nothing for it.
   */
  round: (loop: SharedLoop<T, C>) => Observable<T>;
  /**
   * Hears of each transient failure inside a round, as it happens: a try about to be retried, or
   * the last one, after which a poll skips the round. Failures are then never silent, even while
   * a round is still retrying; set by a status board.
   */
  failed?: (error: unknown) => void;
  /**
   * Sees the rounds this loop follows from elsewhere before its members do; set by a status
   * board, for which a follower tab's health is that of the leader's rounds.
   */
  followed?: (rounds$: Observable<T>) => Observable<T>;

  constructor(options: SharedLoopOptions<T, C>) {
    this.round = options.round;
    const own$ = this.#restart.pipe(switchMap(() => timer(0, options.intervalMs).pipe(exhaustMap(() => defer(() => this.round(this))))));
    const shared$ = this.#source.pipe(
      switchMap((source) => (source === undefined ? own$ : (this.followed?.(source) ?? source))),
      takeUntil(this.#end),
      // Replaying the latest round: a BehaviorSubject whose `undefined` start is filtered out does
      // what a ReplaySubject(1) does, and a page bundles one kind of subject less.
      share<T | undefined>(options.replayLatest ? { connector: () => new BehaviorSubject<T | undefined>(undefined) } : {}),
    );
    this.rounds$ = options.replayLatest ? shared$.pipe(filter((round): round is T => round !== undefined)) : (shared$ as Observable<T>);
    const { release } = options;
    this.#onIdle = options.onIdle;
    this.#releases = release !== undefined;
    if (release === undefined) return;
    this.#released
      .pipe(
        // The releases of one task together: the buffer closes once a 0 ms timer, restarted by
        // every release, goes off (a debounce made of operators the loop already uses).
        buffer(this.#released.pipe(switchMap(() => timer(0)))),
        mergeMap((claims) => {
          const names = {
            channels: unheld(claims, 'channels', this.#channels),
            channelGroups: unheld(claims, 'channelGroups', this.#groups),
          };
          // A follower's names are the leader's to release, once no tab holds them.
          const skip = this.following || names.channels.length + names.channelGroups.length === 0;
          return (skip ? EMPTY : release(names)).pipe(
            catchError(() => EMPTY),
            finalize(() => {
              this.#pending.next(this.#pending.value - claims.length);
              if (this.idle) this.#onIdle?.();
            }),
          );
        }),
      )
      .subscribe();
  }

  /**
   * A member's view of the loop: listens, then claims (see the class notes); unsubscribing
   * releases the claim.
   */
  member(claim: C): Observable<T> {
    return new Observable<T>((subscriber) => {
      const subscription = this.rounds$.subscribe(subscriber);
      const release = subscriber.closed ? undefined : this.claim(claim);
      return () => {
        // Unsubscribing first stops (and aborts) a round in flight when this was the last member.
        subscription.unsubscribe();
        release?.();
      };
    });
  }

  /**
   * Holds `claim`'s names until the returned function is called; names new to the union are
   * answered with an immediate round.
   */
  claim(claim: C): () => void {
    this.#claims.add(claim);
    if (this.#channels.add(claim.channels) + this.#groups.add(claim.channelGroups) > 0) this.restart();
    return () => {
      if (!this.#claims.delete(claim)) return;
      const channels = this.#channels.remove(claim.channels);
      const channelGroups = this.#groups.remove(claim.channelGroups);
      if (this.#releases && channels.length + channelGroups.length > 0) {
        this.#pending.next(this.#pending.value + 1);
        this.#released.next({ channels, channelGroups });
      } else if (this.idle) this.#onIdle?.();
    };
  }

  /** Restarts the rounds with an immediate one (a member's state changed). */
  restart(): void {
    this.#restart.next();
  }

  /**
   * Members see `rounds$` (a leader tab's) instead of this loop's own rounds, which stop, and
   * released names are not acted on here; `undefined` resumes the own rounds with an immediate one.
   */
  follow(rounds$: Observable<T> | undefined): void {
    this.#source.next(rounds$);
  }

  /** Whether the loop follows rounds made elsewhere (see {@link SharedLoop.follow}). */
  get following(): boolean {
    return this.#source.value !== undefined;
  }

  /** Completes every member's stream; their teardowns release their claims. */
  end(): void {
    this.#end.next();
  }

  /** The union held now. */
  held(): Claim {
    return { channels: this.#channels.names(), channelGroups: this.#groups.names() };
  }

  /** Whether anyone holds the channel (or, with `group`, the channel group). */
  holds(name: string, group = false): boolean {
    return (group ? this.#groups : this.#channels).has(name);
  }

  /** The claims held now, each as given. */
  claims(): IterableIterator<C> {
    return this.#claims.values();
  }

  /** True when nothing is claimed and every release is done: the loop can be dropped. */
  get idle(): boolean {
    return this.#claims.size === 0 && this.#pending.value === 0;
  }
}

/**
 * Resolves when every release of `loop` so far is done (a free function, so that only what
 * waits for it, `endHeartbeats`, bundles the promise).
 */
export function settled(loop: { readonly pending$: Observable<number> }): Promise<unknown> {
  return firstValueFrom(loop.pending$.pipe(filter((pending) => pending === 0)));
}

/**
 * A member of the loop under `key` in a client's `registry`, made by `create` on first use and
 * dropped once idle (its last member gone, its releases done), so that nothing outlives its
 * subscribers. `create` gets the callback that drops it, for the loop's `onIdle`; `use` builds
 * the member's stream from the loop.
 */
export function sharedMember<L extends { readonly idle: boolean }, R>(
  registry: Map<string, L>,
  key: string,
  create: (drop: () => void) => L,
  use: (loop: L) => Observable<R>,
): Observable<R> {
  return new Observable<R>((subscriber) => {
    let loop = registry.get(key);
    if (loop === undefined) {
      const made: L = create(() => {
        if (registry.get(key) === made) registry.delete(key);
      });
      registry.set(key, (loop = made));
    }
    const joined = loop;
    const subscription = use(joined).subscribe(subscriber);
    return () => {
      subscription.unsubscribe();
      // Also for a member that never claimed (its subscriber was done at once).
      if (joined.idle && registry.get(key) === joined) registry.delete(key);
    };
  });
}

/** The names of `claims` that nobody holds (any more, or again). */
function unheld(claims: readonly Claim[], kind: keyof Claim, counts: RefCounts): string[] {
  const names = new Set<string>();
  for (const claim of claims) for (const name of claim[kind]) if (!counts.has(name)) names.add(name);
  return [...names];
}

/** Reference counts per name: how many claims hold each channel or group. */
class RefCounts {
  readonly #counts = new Map<string, number>();

  /** Adds one reference per name; returns how many names were new. */
  add(names: readonly string[]): number {
    let added = 0;
    for (const name of names) {
      const count = this.#counts.get(name) ?? 0;
      if (count === 0) added++;
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

  has(name: string): boolean {
    return this.#counts.has(name);
  }

  names(): string[] {
    return [...this.#counts.keys()];
  }
}
