// Page (a) through the `Presence` class: a class keeps all its methods, so every stream comes along.
import { Keyset, Presence } from 'rx-presence';

const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'page-a' }), origin: 'https://ps.pndsn.com' });
presence.hereNow({ channels: ['lobby'] }).subscribe((result) => console.log(result.totalOccupancy));
