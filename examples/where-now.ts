// Where now: the channels a user is present on.
import { firstValueFrom } from 'rxjs';
import { Keyset, Presence, UserId } from 'rx-presence';
import { runExample } from './support/run';

runExample(async ({ origin, subscribeKey }) => {
  const alice = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: new UserId('alice') }), origin });
  const bob = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: new UserId('bob') }), origin });
  await firstValueFrom(alice.announceHeartbeat({ channels: ['lobby', 'kitchen'] }));

  const mine = await firstValueFrom(alice.whereNow());
  const hers = await firstValueFrom(bob.whereNow({ uuid: 'alice' }));
  console.log(`alice (asked by alice): ${[...mine.channels].sort().join(', ')}`);
  console.log(`alice (asked by bob): ${[...hers.channels].sort().join(', ')}`);
});
