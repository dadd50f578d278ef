// Page (a): one here-now, as a page showing "who is online" once would do it. Free functions, so
// the bundler keeps only what `hereNow` needs (a-here-now-class.ts does the same with `Presence`).
import { hereNow, Keyset, presenceContext } from 'rx-presence';

const context = presenceContext({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'page-a' }), origin: 'https://ps.pndsn.com' });
hereNow(context, { channels: ['lobby'] }).subscribe((result) => console.log(result.totalOccupancy));
