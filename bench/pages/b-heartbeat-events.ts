// Page (b): be present while the page is open, and show who joins and leaves (polled). Free
// functions; b-heartbeat-events-class.ts does the same with `Presence`.
import { heartbeat$, Keyset, presenceContext, presenceEvents$ } from 'rx-presence';

const context = presenceContext({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'page-b' }), origin: 'https://ps.pndsn.com' });
heartbeat$(context, { channels: ['lobby'] }).subscribe();
presenceEvents$(context, { channels: ['lobby'] }).subscribe((event) => console.log(event.action, event.uuid));
