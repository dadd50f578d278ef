/**
 * `rx-presence/browser`: presence that follows the tab. Browser-only helpers, kept out of the main
 * entry so that a page which does not use them bundles none of them.
 *
 * @example
 * ```ts
 * import { Keyset, Presence } from 'rx-presence';
 * import { leaveOnPageHide, shareAcrossTabs } from 'rx-presence/browser';
 *
 * const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'me' }) });
 * leaveOnPageHide(presence); // a closed tab leaves at once
 * shareAcrossTabs(presence); // tabs share one heartbeat, leave only what no tab holds
 * presence.heartbeat$({ channels: ['lobby'] }).subscribe();
 * ```
 *
 * @packageDocumentation
 */
export { leaveOnPageHide, type BrowserClient } from './leave-on-page-hide';
export { shareAcrossTabs, type ShareAcrossTabsOptions } from './share-across-tabs';
