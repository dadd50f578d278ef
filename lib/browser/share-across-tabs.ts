import { asyncScheduler, map, Subject, Subscription, type Observable } from 'rxjs';
import { PresenceError, type PresenceErrorCategory, type PresenceOperation } from '../errors';
import type { Keyset } from '../keyset';
import type { PresenceContext } from '../presence-context';
import { heartbeat$ } from '../streams/heartbeat-stream';
import { hereNow$ } from '../streams/here-now-stream';
import { keysetId } from '../streams/keyset-id';
import type { Claim } from '../streams/shared-loop';
import type { PresenceState } from '../types';
import { browserEnvironment, type PageEnvironment, type TabChannel } from './environment';
import type { BrowserClient } from './leave-on-page-hide';
import { heartbeatOptions, pollOptions, readLoopKey, type LoopKind } from './loop-keys';
import { pageControl, type AnyLoop, type LoopEntry, type PageControl, type SharingState } from './page-control';

/**
 * Options of {@link shareAcrossTabs}.
 *
 * @example
 * ```ts
 * const options: ShareAcrossTabsOptions = { pauseHiddenPolls: false };
 * ```
 */
export interface ShareAcrossTabsOptions {
  /** The keyset whose heartbeats and polls the tabs share. Default: the client's default keyset. */
  readonly keyset?: Keyset;
  /**
   * Polls (`hereNow$`, `presenceEvents$`) pause while every tab that shares them is hidden, and
   * resume with an immediate poll when one is visible again. Default true; false polls on.
   * Heartbeats never pause for visibility: an open hidden tab is still present.
   */
  readonly pauseHiddenPolls?: boolean;
}

/** One tab's claim on one loop, as the tabs tell each other. */
interface TabClaim extends Claim {
  readonly kind: LoopKind;
  /** The loop's key without the keyset (see `loop-keys.ts`). */
  readonly key: string;
  readonly state?: Readonly<Record<string, PresenceState>>;
}

/** What tabs say on the channel. */
type TabMessage =
  /** A tab joined: everyone tells it what they hold. */
  | { readonly type: 'hello'; readonly tab: string }
  /** What a tab holds now, and whether it is visible. */
  | { readonly type: 'claims'; readonly tab: string; readonly visible: boolean; readonly claims: readonly TabClaim[] }
  /** A tab is going away. */
  | { readonly type: 'bye'; readonly tab: string }
  /** A tab became the leader. */
  | { readonly type: 'lead'; readonly tab: string }
  /** A leader's round of a loop, for the followers. */
  | { readonly type: 'round'; readonly kind: LoopKind; readonly key: string; readonly value: unknown };

/** A heartbeat failure as it travels: a `PresenceError` does not survive structured cloning. */
interface SentFailure {
  readonly type: 'failed';
  readonly failure: { readonly category: PresenceErrorCategory; readonly message: string; readonly operation: PresenceOperation };
}

let warned = false;

/**
 * Makes the tabs of one origin that use the same subscribe key and user id cooperate, with no
 * worker file to host: `navigator.locks` elects a leader tab (it holds a lock for as long as it
 * lives) and `BroadcastChannel` carries the messages.
 *
 * - The leader alone sends the heartbeats, for the union of the channels all tabs hold: N tabs
 *   cost one request per interval. Every tab's `heartbeat$` still reports each beat.
 * - A leave goes out only for names no open tab holds any more: closing a tab whose channels
 *   another tab holds sends no leave, so watchers see no leave/join flap.
 * - When the leader closes or crashes, the next tab in the lock's queue takes over at once and
 *   heartbeats immediately.
 * - Identical `hereNow$` / `presenceEvents$` polls are made once, by the leader, and fanned out.
 * - Tabs with another user id or subscribe key do not merge. Without `navigator.locks` or
 *   `BroadcastChannel` each tab stays on its own, and a `console.warn` says so once.
 *
 * It also follows the network and the tab's visibility: while the browser is offline no heartbeat
 * or poll is attempted, and on `online` a heartbeat goes out at once and polls resume; polls pause
 * while hidden (see {@link ShareAcrossTabsOptions.pauseHiddenPolls}). Use it with
 * `leaveOnPageHide`, so that the last tab to close leaves. Unsubscribing ends the sharing: the
 * tab runs its own loops again.
 *
 * @example
 * ```ts
 * import { Keyset, Presence } from 'rx-presence';
 * import { leaveOnPageHide, shareAcrossTabs } from 'rx-presence/browser';
 *
 * const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'me' }) });
 * shareAcrossTabs(presence);
 * leaveOnPageHide(presence);
 * presence.heartbeat$({ channels: ['lobby'] }).subscribe(); // in every tab: one heartbeat per interval in all
 * ```
 */
export function shareAcrossTabs(client: BrowserClient, options: ShareAcrossTabsOptions = {}): Subscription {
  return shareTabs(client.context, browserEnvironment(), options);
}

/**
 * {@link shareAcrossTabs} with the page's APIs given (the specs give fakes).
 *
 * @example
 * ```ts
 * const sharing = shareTabs(presence.context, browserEnvironment(), { pauseHiddenPolls: false });
 * sharing.unsubscribe(); // this tab runs its own loops again
 * ```
 */
export function shareTabs(context: PresenceContext, environment: PageEnvironment, options: ShareAcrossTabsOptions = {}): Subscription {
  const control = pageControl(context, environment);
  control.use();
  const keyset = options.keyset ?? context.keysets.resolve({});
  const { locks, channel } = environment;
  const subscription = new Subscription();
  let tabs: TabSharing | undefined;
  const pauseHidden = options.pauseHiddenPolls ?? true;
  if (locks === undefined || channel === undefined) {
    if (!warned) {
      warned = true;
      environment.warn(`rx-presence: shareAcrossTabs needs ${locks === undefined ? 'navigator.locks' : 'BroadcastChannel'}; each tab heartbeats and polls on its own`);
    }
  } else {
    tabs = new TabSharing(control, keyset);
    control.sharing = tabs;
    tabs.start();
  }
  let visible = true;
  const pausePolls = () => {
    control.pollsPaused = pauseHidden && !visible && (tabs === undefined || tabs.allHidden());
    control.apply();
  };
  subscription.add(
    environment.online$.subscribe((online) => {
      control.offline = !online;
      control.apply();
    }),
  );
  subscription.add(
    environment.visible$.subscribe((now) => {
      visible = now;
      tabs?.setVisible(now);
      pausePolls();
    }),
  );
  if (tabs !== undefined) tabs.onTabsChanged = pausePolls;
  subscription.add(() => {
    const sharing = tabs;
    sharing?.hide();
    control.offline = false;
    control.pollsPaused = false;
    // A leader's loops stay paused until the releases of the other tabs' claims are past (they
    // run after a `timer(0)`, and a paused loop does not act on them): those names are still held
    // by the other tabs, and their next leader heartbeats them.
    asyncScheduler.schedule(() => {
      if (control.sharing === sharing) control.sharing = undefined;
      control.apply();
      control.release();
    });
  });
  return subscription;
}

/** The sharing of one keyset's loops with the other tabs: the messages, the leader's work. */
class TabSharing implements SharingState {
  readonly keysetId: number;
  leader = false;
  /** Called when what the tabs hold or their visibility changed. */
  onTabsChanged: () => void = () => undefined;
  #tab = '';
  /** The tab that leads, as far as this one knows. */
  #leaderTab: string | undefined;
  /** What the leader held when this follower learnt it was gone: the next leader's to let go of. */
  #fallenLeader: readonly TabClaim[] | undefined;
  #visible = true;
  #session: Subscription | undefined;
  #channel: TabChannel | undefined;
  /** What each other tab holds, and whether it is visible. */
  readonly #tabs = new Map<string, { visible: boolean; claims: readonly TabClaim[] }>();
  /** The leader's subscriptions standing for other tabs' claims, by tab, then by loop and claim. */
  readonly #standIns = new Map<string, Map<string, { claim: string; subscription: Subscription }>>();
  /**
   * The watch for each other tab's end: its tab lock becomes free. Every tab watches (a closing
   * page's `bye` may never be delivered, and a crashed one says nothing), so that none counts a
   * gone tab's names as held.
   */
  readonly #ends = new Map<string, Subscription>();
  /** The leader's broadcasts of its loops' rounds. */
  readonly #broadcasts = new Map<AnyLoop, Subscription>();
  /** A follower's rounds from the leader, per loop: where they arrive, and what the loop follows. */
  readonly #rounds = new Map<string, { readonly arrive: Subject<unknown>; readonly rounds$: Observable<unknown> }>();

  constructor(
    readonly control: PageControl,
    readonly keyset: Keyset,
  ) {
    this.keysetId = keysetId(keyset);
  }

  /** The locks and the channel of this user id and subscribe key. */
  get #name(): string {
    const keys = this.keyset.toRequestKeys();
    return `rx-presence:${encodeURIComponent(keys.subscribeKey)}:${encodeURIComponent(keys.userId)}`;
  }

  /** Joins the other tabs: holds this tab's own lock first (so others can tell when it ends), then talks. */
  start(): void {
    const { environment } = this.control;
    const session = new Subscription();
    this.#session = session;
    this.#tab = environment.tabId();
    let joined = false;
    session.add(
      environment.locks!.hold(`${this.#name}:tab:${this.#tab}`).subscribe(() => {
        if (joined) return;
        joined = true;
        const channel = environment.channel!(this.#name);
        this.#channel = channel;
        session.add(channel.messages$.subscribe((message) => this.#receive(message as TabMessage)));
        session.add(() => channel.close());
        session.add(this.control.changed$.subscribe(() => this.#announce()));
        session.add(this.control.added$.subscribe((entry) => this.#added(entry)));
        session.add(this.control.removed$.subscribe((entry) => this.#removed(entry)));
        this.#post({ type: 'hello', tab: this.#tab });
        this.#announce();
        session.add(environment.locks!.hold(`${this.#name}:leader`).subscribe(() => this.#lead()));
      }),
    );
  }

  hide(): void {
    if (this.#session === undefined) return;
    this.#post({ type: 'bye', tab: this.#tab });
    // Nothing after the goodbye: letting go of the stand-ins below must not announce claims.
    this.#channel = undefined;
    // Paused or following from here on, a loop acts on no release: the stand-ins' names are the
    // other tabs' (their next leader heartbeats them), and this tab's own are left, if at all, by
    // leaveOnPageHide (which ran first) or by its own loops once the sharing ends.
    this.leader = false;
    this.#leaderTab = undefined;
    this.control.apply();
    for (const tab of [...this.#standIns.keys()]) this.#dropStandIns(tab);
    for (const end of this.#ends.values()) end.unsubscribe();
    this.#ends.clear();
    for (const broadcast of this.#broadcasts.values()) broadcast.unsubscribe();
    this.#broadcasts.clear();
    this.#tabs.clear();
    this.#fallenLeader = undefined;
    const session = this.#session;
    this.#session = undefined;
    session.unsubscribe();
  }

  restore(): void {
    if (this.#session === undefined) this.start();
  }

  setVisible(visible: boolean): void {
    this.#visible = visible;
    this.#announce();
  }

  /** Whether every other tab is hidden. */
  allHidden(): boolean {
    for (const { visible } of this.#tabs.values()) if (visible) return false;
    return true;
  }

  rounds(kind: LoopKind, shared: string): Observable<unknown> {
    const id = `${kind} ${shared}`;
    let rounds = this.#rounds.get(id);
    if (rounds === undefined) {
      const arrive = new Subject<unknown>();
      this.#rounds.set(id, (rounds = { arrive, rounds$: kind === 'heartbeats' ? arrive.pipe(map(asLoopEvent)) : arrive }));
    }
    return rounds.rounds$;
  }

  othersHold(shared: string, name: string, group: boolean): boolean {
    for (const { claims } of this.#tabs.values()) {
      for (const claim of claims) {
        if (claim.kind === 'heartbeats' && claim.key === shared && (group ? claim.channelGroups : claim.channels).includes(name)) return true;
      }
    }
    return false;
  }

  #post(message: TabMessage): void {
    try {
      this.#channel?.post(message);
    } catch {
      // A value that cannot be cloned (a state holding a function) is not worth failing the page for.
    }
  }

  #receive(message: TabMessage): void {
    switch (message.type) {
      case 'hello':
        this.#tabs.set(message.tab, this.#tabs.get(message.tab) ?? { visible: true, claims: [] });
        this.#announce();
        if (this.leader) this.#post({ type: 'lead', tab: this.#tab });
        this.#watchEnd(message.tab);
        break;
      case 'claims':
        this.#tabs.set(message.tab, { visible: message.visible, claims: message.claims });
        if (this.leader) this.#standIn(message.tab, message.claims);
        this.#watchEnd(message.tab);
        this.onTabsChanged();
        break;
      case 'bye':
        this.#gone(message.tab);
        break;
      case 'lead':
        this.#leaderTab = message.tab;
        break;
      case 'round':
        if (!this.leader) this.#rounds.get(`${message.kind} ${message.key}`)?.arrive.next(message.value);
        break;
    }
  }

  /** This tab's own claims on the shared loops, as the other tabs are told. */
  #announce(): void {
    if (this.#channel === undefined) return;
    const claims: TabClaim[] = [];
    for (const { kind, key, loop } of this.control.loops()) {
      const read = readLoopKey(kind, key);
      if (read?.keysetId !== this.keysetId) continue;
      const channels = new Set<string>();
      const channelGroups = new Set<string>();
      let state: Record<string, PresenceState> | undefined;
      let mine = false;
      for (const claim of loop.claims()) {
        if (this.control.isRemote(claim)) continue;
        mine = true;
        for (const name of claim.channels) channels.add(name);
        for (const name of claim.channelGroups) channelGroups.add(name);
        const own = (claim as { state?: Record<string, PresenceState> }).state;
        if (own !== undefined) state = { ...state, ...own };
      }
      if (channels.size + channelGroups.size === 0 && kind === 'heartbeats') continue;
      if (kind === 'polls' && !mine) continue;
      claims.push({ kind, key: read.shared, channels: [...channels], channelGroups: [...channelGroups], ...(state === undefined ? {} : { state }) });
    }
    this.#post({ type: 'claims', tab: this.#tab, visible: this.#visible, claims });
  }

  /** This tab is the leader now: it stands in for every other tab's claims and makes the rounds. */
  #lead(): void {
    this.leader = true;
    this.#post({ type: 'lead', tab: this.#tab });
    const previous = this.#leaderTab;
    const fallen = previous === undefined ? undefined : (this.#tabs.get(previous)?.claims ?? this.#fallenLeader);
    this.#leaderTab = this.#tab;
    this.#fallenLeader = undefined;
    for (const [tab, { claims }] of this.#tabs) {
      this.#standIn(tab, claims);
      this.#watchEnd(tab);
    }
    // The leader lock is free only once its holder is gone (closed, or crashed), whatever the
    // channel says and in whatever order: its names held by no other tab are left now (again,
    // harmlessly, if its own leaveOnPageHide did), and never heartbeated again. The loops still
    // follow, so standing in and letting go makes no round; the leave goes out after the release
    // buffer's timer(0), before the first round of the new leader.
    if (previous !== undefined && previous !== this.#tab && fallen !== undefined) {
      this.#standIn(previous, fallen);
      this.#gone(previous);
    }
    // Own rounds from here on, an immediate one first; every round goes to the followers.
    this.control.apply();
    for (const entry of this.control.loops()) this.#added(entry);
  }

  #added({ kind, key, loop }: LoopEntry): void {
    const read = readLoopKey(kind, key);
    if (!this.leader || read?.keysetId !== this.keysetId || this.#broadcasts.has(loop)) return;
    this.#broadcasts.set(loop, loop.rounds$.subscribe((value) => this.#post({ type: 'round', kind, key: read.shared, value: kind === 'heartbeats' ? sendable(value) : value })));
  }

  #removed({ loop }: LoopEntry): void {
    this.#broadcasts.get(loop)?.unsubscribe();
    this.#broadcasts.delete(loop);
  }

  /**
   * The leader holds another tab's claims with subscriptions of its own (`heartbeat$`,
   * `hereNow$` with the same options), so they join the same loops. A changed claim is taken up
   * before the old one is let go, so names in both stay held.
   */
  #standIn(tab: string, claims: readonly TabClaim[]): void {
    const before = this.#standIns.get(tab) ?? new Map<string, { claim: string; subscription: Subscription }>();
    const after = new Map<string, { claim: string; subscription: Subscription }>();
    for (const claim of claims) {
      const id = `${claim.kind} ${claim.key}`;
      const json = JSON.stringify(claim);
      const kept = before.get(id);
      if (kept?.claim === json) {
        after.set(id, kept);
        continue;
      }
      const subscription = this.control.remotely(() => this.#hold(claim).subscribe({ error: () => undefined }));
      after.set(id, { claim: json, subscription });
    }
    this.#standIns.set(tab, after);
    for (const [id, old] of before) if (after.get(id) !== old) old.subscription.unsubscribe();
  }

  #hold(claim: TabClaim): Observable<unknown> {
    const { context } = this.control;
    const { keyset } = this;
    if (claim.kind === 'heartbeats') {
      return heartbeat$(context, { keyset, channels: claim.channels, channelGroups: claim.channelGroups, ...heartbeatOptions(claim.key), ...(claim.state === undefined ? {} : { state: claim.state }) });
    }
    const { union, ...poll } = pollOptions(claim.key);
    return hereNow$(context, { keyset, ...poll, ...(union ? { channels: claim.channels } : {}) });
  }

  #dropStandIns(tab: string): void {
    for (const { subscription } of this.#standIns.get(tab)?.values() ?? []) subscription.unsubscribe();
    this.#standIns.delete(tab);
  }

  /** A tab that ended without a word (crashed, or its `bye` was lost) frees its tab lock. */
  #watchEnd(tab: string): void {
    if (this.#ends.has(tab)) return;
    this.#ends.set(tab, this.control.environment.locks!.hold(`${this.#name}:tab:${tab}`).subscribe(() => this.#gone(tab)));
  }

  /** A tab is gone: its names are released (a leave for those no tab holds any more). */
  #gone(tab: string): void {
    if (tab === this.#leaderTab && !this.leader) this.#fallenLeader = this.#tabs.get(tab)?.claims;
    this.#tabs.delete(tab);
    this.#dropStandIns(tab);
    const end = this.#ends.get(tab);
    this.#ends.delete(tab);
    // Free the lock at once if it was granted (this may run inside its own grant).
    if (end !== undefined) asyncScheduler.schedule(() => end.unsubscribe());
    this.onTabsChanged();
  }
}

/** A heartbeat loop event that survives structured cloning. */
function sendable(value: unknown): unknown {
  const event = value as { type: string; error?: PresenceError };
  if (event.type !== 'failed' || event.error === undefined) return value;
  const { error, ...rest } = event;
  return { ...rest, failure: { category: error.category, message: error.message, operation: error.details.operation } };
}

/** The other way: a `PresenceError` again. */
function asLoopEvent(value: unknown): unknown {
  const sent = value as Partial<SentFailure>;
  if (sent.type !== 'failed' || sent.failure === undefined) return value;
  const { failure, ...rest } = sent;
  return { ...rest, error: new PresenceError(failure.category, failure.message, { operation: failure.operation }) };
}
