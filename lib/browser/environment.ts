/**
 * The few browser APIs the helpers use, behind small interfaces: the real ones in a page
 * ({@link browserEnvironment}), fakes on virtual time in the marble specs. Typed here, not through
 * TypeScript's DOM library, so that the package's declarations need no `lib: ["dom"]`.
 */
import { defer, filter, fromEvent, map, merge, Observable, startWith } from 'rxjs';

/**
 * Locks of the origin (`navigator.locks`) as Observables: {@link TabLocks.hold} emits once the lock
 * is granted and holds it until unsubscribed; unsubscribing before that withdraws the request.
 *
 * @example
 * ```ts
 * const held = locks.hold('my-lock').subscribe(() => console.log('mine'));
 * held.unsubscribe(); // released (or no longer asked for)
 * ```
 */
export interface TabLocks {
  hold(name: string): Observable<void>;
}

/**
 * A message channel between the tabs of an origin (`BroadcastChannel`): a message posted reaches
 * every other open channel of the same name, never the sender.
 *
 * @example
 * ```ts
 * const channel = environment.channel('room');
 * channel.messages$.subscribe(console.log);
 * channel.post({ hello: 1 });
 * channel.close();
 * ```
 */
export interface TabChannel {
  readonly messages$: Observable<unknown>;
  post(message: unknown): void;
  close(): void;
}

/**
 * What the page tells the helpers and what they use to talk to other tabs.
 *
 * @example
 * ```ts
 * const environment: PageEnvironment = browserEnvironment();
 * environment.online$.subscribe((online) => console.log(online ? 'online' : 'offline'));
 * ```
 */
export interface PageEnvironment {
  /** `pagehide`: the page is going away (closed, navigated, or into the back/forward cache). */
  readonly pageHide$: Observable<unknown>;
  /** `pageshow` of a page restored from the back/forward cache. */
  readonly pageRestored$: Observable<unknown>;
  /** Whether the browser is online: the current value at once, then every change. */
  readonly online$: Observable<boolean>;
  /** Whether the page is visible: the current value at once, then every change. */
  readonly visible$: Observable<boolean>;
  /** Web Locks; absent where the browser has none. */
  readonly locks?: TabLocks;
  /** Opens a channel to the other tabs; absent without `BroadcastChannel`. */
  readonly channel?: (name: string) => TabChannel;
  /** A new id for this tab, unique across tabs. */
  readonly tabId: () => string;
  /** Where the one fallback warning goes (`console.warn`). */
  readonly warn: (message: string) => void;
}

/** The members of the page's globals the helpers use, typed without the DOM library. */
interface BrowserGlobals {
  readonly addEventListener: EventTarget['addEventListener'];
  readonly removeEventListener: EventTarget['removeEventListener'];
  readonly document?: EventTarget & { readonly visibilityState?: string };
  readonly navigator?: {
    readonly onLine?: boolean;
    readonly locks?: {
      request(name: string, options: { signal: AbortSignal }, callback: () => Promise<void>): Promise<unknown>;
    };
  };
  readonly BroadcastChannel?: new (name: string) => EventTarget & { postMessage(message: unknown): void; close(): void };
  readonly crypto?: { randomUUID?: () => string };
  readonly console: { warn(message: string): void };
}

/**
 * The page's own APIs: `window` events, `navigator.onLine`, `document.visibilityState`,
 * `navigator.locks` and `BroadcastChannel` where the browser has them.
 *
 * @example
 * ```ts
 * console.log(browserEnvironment().locks !== undefined);
 * // Output: true (in any current browser, on https or localhost)
 * ```
 */
export function browserEnvironment(): PageEnvironment {
  const page = globalThis as unknown as BrowserGlobals;
  const { navigator, document } = page;
  const webLocks = navigator?.locks;
  const Channel = page.BroadcastChannel;
  return {
    pageHide$: fromEvent(page, 'pagehide'),
    pageRestored$: fromEvent(page, 'pageshow').pipe(filter((event) => (event as unknown as { persisted: boolean }).persisted)),
    online$: defer(() => merge(fromEvent(page, 'online').pipe(map(() => true)), fromEvent(page, 'offline').pipe(map(() => false))).pipe(startWith(navigator?.onLine !== false))),
    visible$:
      document === undefined
        ? defer(() => [true])
        : fromEvent(document, 'visibilitychange').pipe(
            startWith(undefined),
            map(() => document.visibilityState !== 'hidden'),
          ),
    ...(webLocks === undefined
      ? {}
      : {
          locks: {
            hold: (name: string) =>
              new Observable<void>((subscriber) => {
                const controller = new AbortController();
                let release: (() => void) | undefined;
                webLocks
                  .request(name, { signal: controller.signal }, () => {
                    subscriber.next();
                    // Held until this resolves: on unsubscribe.
                    return new Promise<void>((resolve) => (release = resolve));
                  })
                  // An aborted request rejects: that is the unsubscribe itself.
                  .catch(() => undefined);
                return () => {
                  controller.abort();
                  release?.();
                };
              }),
          },
        }),
    ...(Channel === undefined
      ? {}
      : {
          channel: (name: string): TabChannel => {
            const channel = new Channel(name);
            return {
              messages$: fromEvent(channel, 'message').pipe(map((event) => (event as unknown as { data: unknown }).data)),
              post: (message) => channel.postMessage(message),
              close: () => channel.close(),
            };
          },
        }),
    tabId: () => page.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`,
    warn: (message) => page.console.warn(message),
  };
}
