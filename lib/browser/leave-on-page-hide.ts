import { Subscription } from 'rxjs';
import { announceLeave } from '../operations/leave';
import type { PresenceContext } from '../presence-context';
import { requestBatches } from '../streams/request-batches';
import { browserEnvironment, type PageEnvironment } from './environment';
import { readLoopKey } from './loop-keys';
import { pageControl, type PageControl } from './page-control';

/**
 * What the browser helpers need of a client: its context. A `Presence` client fits.
 *
 * @example
 * ```ts
 * import { Keyset, Presence } from 'rx-presence';
 * import type { BrowserClient } from 'rx-presence/browser';
 *
 * const client: BrowserClient = new Presence({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'me' }) });
 * ```
 */
export interface BrowserClient {
  /** The client's transport, keysets and loops; `presence.context` on a `Presence`. */
  readonly context: PresenceContext;
}

/**
 * Makes a page announce leave when it goes away: on `pagehide` (the tab or window is closed, the
 * page navigates elsewhere, or it goes into the back/forward cache) it sends, at once and once, a
 * leave for every channel and group the client's `heartbeat$` subscriptions hold, as
 * `fetch(url, { keepalive: true })` requests that outlive the page, and sends nothing more while
 * it is away. A page restored from the back/forward cache (`pageshow` with `persisted`) is
 * present again at once: its heartbeats resume with an immediate one. Unsubscribing removes the
 * listeners.
 *
 * Why `pagehide` and not `beforeunload` / `unload`: `unload` does not fire reliably (not at all
 * on mobile when a tab is discarded) and, like `beforeunload`, makes a page ineligible for the
 * back/forward cache in several browsers; `pagehide` fires in every case a page goes away,
 * cache included. Limits: a browser that is killed, crashes or loses power sends nothing (the
 * presence timeout remains the backstop); a signed client (secret key) signs asynchronously, which
 * a page going away may not wait for. Heartbeats on keysets the client does not know (passed as
 * `keyset:` without `presence.keysets.add`) are not left here.
 *
 * With `shareAcrossTabs` the leave is only for what no other open tab holds, so that closing one
 * of two tabs on a channel sends no leave at all.
 *
 * @example
 * ```ts
 * import { Keyset, Presence } from 'rx-presence';
 * import { leaveOnPageHide } from 'rx-presence/browser';
 *
 * const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'me' }) });
 * leaveOnPageHide(presence);
 * presence.heartbeat$({ channels: ['lobby'] }).subscribe();
 * // Closing the tab: a leave for 'lobby' goes out as the page goes away.
 * ```
 */
export function leaveOnPageHide(client: BrowserClient): Subscription {
  return leaveOnHide(client.context, browserEnvironment());
}

const leaving = new WeakMap<PageControl, number>();

/**
 * {@link leaveOnPageHide} with the page's APIs given (the specs give fakes).
 *
 * @example
 * ```ts
 * const stop = leaveOnHide(presence.context, browserEnvironment());
 * stop.unsubscribe();
 * ```
 */
export function leaveOnHide(context: PresenceContext, environment: PageEnvironment): Subscription {
  const control = pageControl(context, environment);
  control.use();
  leaving.set(control, (leaving.get(control) ?? 0) + 1);
  control.leaveAll = () => leaveAll(control);
  return new Subscription(() => {
    const count = (leaving.get(control) ?? 1) - 1;
    leaving.set(control, count);
    if (count === 0) control.leaveAll = undefined;
    control.release();
  });
}

/** The leaves of every heartbeat loop, sent at once, each request a keepalive one. */
function leaveAll(control: PageControl): void {
  const { context, sharing } = control;
  for (const { kind, key, loop } of control.loops()) {
    if (kind !== 'heartbeats') continue;
    const read = readLoopKey(kind, key);
    const keyset = read === undefined ? undefined : control.keysetOf(read.keysetId);
    if (read === undefined || keyset === undefined) continue;
    let { channels, channelGroups } = loop.held();
    if (sharing !== undefined && read.keysetId === sharing.keysetId) {
      // Only what no other open tab holds, leader or not: a follower cannot count on a leader
      // being there to do it (the last two tabs may close together). The leader, told the tab is
      // gone, may leave the same names again, which changes nothing.
      channels = channels.filter((name) => !sharing.othersHold(read.shared, name, false));
      channelGroups = channelGroups.filter((name) => !sharing.othersHold(read.shared, name, true));
    }
    for (const batch of requestBatches(channels, channelGroups, undefined)) {
      // Subscribing starts the fetch now, inside the event: the page may be gone right after.
      announceLeave(context, { keyset, ...batch }, { attempts: 1, init: { keepalive: true } }).subscribe({ error: () => undefined });
    }
  }
}
