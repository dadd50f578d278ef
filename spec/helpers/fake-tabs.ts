/**
 * Tabs of one browser on virtual time, for the marble specs of `rx-presence/browser`: fake Web
 * Locks (granted in queue order, after a 0 ms timer as the real ones are granted asynchronously), a
 * fake BroadcastChannel (each message structured-cloned, as the real one does, and delivered to
 * every other open channel of its name after 1 ms) and each tab's page events as Subjects.
 */
import { asyncScheduler, BehaviorSubject, Observable, Subject, type Subscription } from 'rxjs';
import type { PageEnvironment, TabChannel, TabLocks } from '../../lib/browser/environment';

interface Waiter {
  readonly owner: string;
  readonly grant: () => void;
}

/** One fake tab: its environment and what a test does to it. */
export interface FakeTab {
  readonly environment: PageEnvironment;
  /** The page goes away (pagehide), then everything it held is gone, as when a tab closes. */
  close(): void;
  /** The tab dies without a word: its locks and channels go, nothing runs in it any more. */
  crash(): void;
  readonly online$: BehaviorSubject<boolean>;
  readonly visible$: BehaviorSubject<boolean>;
  readonly pageHide$: Subject<void>;
  readonly pageRestored$: Subject<void>;
  /** What the tab warned about. */
  readonly warnings: string[];
}

/** A browser: tabs opened from it share locks and channels. */
export function fakeBrowser(options: { readonly locks?: boolean; readonly channels?: boolean } = {}) {
  const holders = new Map<string, string>();
  const queues = new Map<string, Waiter[]>();
  const channels = new Set<{ readonly name: string; readonly owner: string; readonly deliver: (message: unknown) => void }>();
  const owned = new Map<string, Set<() => void>>();
  let tabs = 0;

  const grantNext = (name: string) => {
    if (holders.has(name)) return;
    const next = queues.get(name)?.shift();
    if (next === undefined) return;
    holders.set(name, next.owner);
    next.grant();
  };

  const locksOf = (owner: string): TabLocks => ({
    hold: (name) =>
      new Observable<void>((subscriber) => {
        let held = false;
        const waiter: Waiter = {
          owner,
          grant: () => {
            held = true;
            subscriber.next();
          },
        };
        queues.set(name, [...(queues.get(name) ?? []), waiter]);
        asyncScheduler.schedule(() => grantNext(name));
        const release = () => {
          const queue = queues.get(name) ?? [];
          if (queue.includes(waiter)) queues.set(name, queue.filter((w) => w !== waiter));
          if (held && holders.get(name) === owner) {
            held = false;
            holders.delete(name);
            asyncScheduler.schedule(() => grantNext(name));
          }
        };
        owned.get(owner)!.add(release);
        return () => {
          owned.get(owner)?.delete(release);
          release();
        };
      }),
  });

  const channelOf = (owner: string) => (name: string): TabChannel => {
    const messages = new Subject<unknown>();
    const entry = { name, owner, deliver: (message: unknown) => messages.next(message) };
    channels.add(entry);
    const close = () => channels.delete(entry);
    owned.get(owner)!.add(close);
    return {
      messages$: messages,
      post: (message) => {
        const copy = structuredClone(message);
        for (const other of channels) {
          if (other !== entry && other.name === name) asyncScheduler.schedule(() => channels.has(other) && other.deliver(structuredClone(copy)), 1);
        }
      },
      close,
    };
  };

  return {
    /** Opens a tab: its environment for the helpers. */
    tab(): FakeTab {
      const owner = `tab${tabs++}`;
      owned.set(owner, new Set());
      const online$ = new BehaviorSubject(true);
      const visible$ = new BehaviorSubject(true);
      const pageHide$ = new Subject<void>();
      const pageRestored$ = new Subject<void>();
      const warnings: string[] = [];
      let ids = 0;
      const gone = () => {
        for (const release of [...owned.get(owner)!]) release();
        owned.delete(owner);
      };
      return {
        environment: {
          pageHide$,
          pageRestored$,
          online$,
          visible$,
          ...(options.locks === false ? {} : { locks: locksOf(owner) }),
          ...(options.channels === false ? {} : { channel: channelOf(owner) }),
          tabId: () => `${owner}.${ids++}`,
          warn: (message) => warnings.push(message),
        },
        close: () => {
          pageHide$.next();
          gone();
        },
        crash: () => {
          gone();
          // Nothing runs in a dead tab: offline stops its loops without a request.
          online$.next(false);
        },
        online$,
        visible$,
        pageHide$,
        pageRestored$,
        warnings,
      };
    },
  };
}

/** Unsubscribes them all. */
export const endAll = (subscriptions: readonly Subscription[]) => subscriptions.forEach((s) => s.unsubscribe());
