// Here now, returning each user's state (Dart: "Returning State", StateInfo.all).
import { firstValueFrom } from 'rxjs';
import { Keyset, Presence, StateInfo, UserId } from 'rx-presence';
import { runExample } from './support/run';

runExample(async ({ origin, subscribeKey }) => {
  const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: new UserId('myUUID1') }), origin });
  await firstValueFrom(presence.announceHeartbeat({ channels: ['my_channel'], state: { my_channel: { abcd: { age: 15 } } } }));

  const result = await firstValueFrom(presence.hereNow({ channels: ['my_channel'], stateInfo: StateInfo.all }));
  for (const { uuid, state } of result.channels.get('my_channel')?.uuids.values() ?? []) {
    console.log(`${uuid}: ${JSON.stringify(state)}`);
  }
});
