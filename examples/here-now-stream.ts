// hereNow$: polled snapshots shared by every subscriber, composed into an occupancy counter.
import { distinctUntilChanged, firstValueFrom, map, take, toArray } from 'rxjs';
import { Keyset, Presence, UserId } from 'rx-presence';
import { runExample } from './support/run';

runExample(async ({ origin, subscribeKey }) => {
  const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: new UserId('watcher') }), origin });
  const bob = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: new UserId('bob') }), origin });

  const occupancy$ = presence.hereNow$({ channels: ['lobby'], interval: 3 }).pipe(
    map((snapshot) => snapshot.totalOccupancy),
    distinctUntilChanged(),
  );
  const counts = firstValueFrom(occupancy$.pipe(take(2), toArray()));
  // Bob arrives after the first poll; the next poll sees him.
  setTimeout(() => void firstValueFrom(bob.announceHeartbeat({ channels: ['lobby'] })), 1000);
  console.log(`occupancy of lobby: ${(await counts).join(' → ')}`);
});
