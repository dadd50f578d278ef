// Page (b) through the `Presence` class: a class keeps all its methods, so every stream comes along.
import { Keyset, Presence } from 'rx-presence';

const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'page-b' }), origin: 'https://ps.pndsn.com' });
presence.heartbeat$({ channels: ['lobby'] }).subscribe();
presence.presenceEvents$({ channels: ['lobby'] }).subscribe((event) => console.log(event.action, event.uuid));
