// Announce leave from a channel and from a channel group (Dart: "Announce Leave").
import { firstValueFrom } from 'rxjs';
import { Keyset, Presence, UserId } from 'rx-presence';
import { runExample } from './support/run';

runExample(async ({ origin, subscribeKey }) => {
  const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: new UserId('myUniqueUserId') }), origin });
  await firstValueFrom(presence.channelGroups.addChannels('cg1', ['ch1']));
  await firstValueFrom(presence.announceHeartbeat({ channels: ['my_channel'], channelGroups: ['cg1'] }));

  // Announce leave to a single channel
  const result = await firstValueFrom(presence.announceLeave({ channels: ['my_channel'] }));
  console.log(`Action: ${result.action}`);
  // Announce leave to a channel group
  await firstValueFrom(presence.announceLeave({ channelGroups: ['cg1'] }));

  const { channels } = await firstValueFrom(presence.whereNow());
  console.log(`Present on: ${channels.length === 0 ? 'nothing' : channels.join(', ')}`);
});
