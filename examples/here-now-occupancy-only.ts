// Here now, occupancy only: counts without user ids (Dart: "Return Occupancy Only").
import { firstValueFrom } from 'rxjs';
import { Keyset, Presence, StateInfo, UserId } from 'rx-presence';
import { runExample } from './support/run';

runExample(async ({ origin, subscribeKey }) => {
  const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: new UserId('myUniqueUserId') }), origin });
  await firstValueFrom(presence.announceHeartbeat({ channels: ['my_channel'] }));

  const result = await firstValueFrom(presence.hereNow({ channels: ['my_channel'], stateInfo: StateInfo.none }));
  console.log(`my_channel occupancy: ${result.channels.get('my_channel')?.count}`);
});
