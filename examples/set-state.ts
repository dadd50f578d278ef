// Set state on a channel (Dart: "Set state").
import { firstValueFrom } from 'rxjs';
import { Keyset, Presence, UserId } from 'rx-presence';
import { runExample } from './support/run';

runExample(async ({ origin, subscribeKey }) => {
  const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: new UserId('myUniqueUserId') }), origin });
  await firstValueFrom(presence.announceHeartbeat({ channels: ['my_channel'] }));

  const state = { is_typing: true };
  const result = await firstValueFrom(presence.setState(state, { channels: ['my_channel'] }));
  console.log(`State set: ${JSON.stringify(result.state)}`);
});
