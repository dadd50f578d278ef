// Announce a heartbeat to a channel and to a channel group (Dart: "Announce Heartbeat").
import { firstValueFrom } from 'rxjs';
import { Keyset, Presence, UserId } from 'rx-presence';
import { runExample } from './support/run';

runExample(async ({ origin, subscribeKey }) => {
  const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: new UserId('myUniqueUserId') }), origin });
  await firstValueFrom(presence.channelGroups.addChannels('cg1', ['ch1']));

  // Announce heartbeat to a single channel
  await firstValueFrom(presence.announceHeartbeat({ channels: ['my_channel'] }));
  // Announce heartbeat to a channel group, with a presence timeout of 60 s instead of 300
  await firstValueFrom(presence.announceHeartbeat({ channelGroups: ['cg1'], heartbeat: 60 }));

  const { channels } = await firstValueFrom(presence.whereNow());
  console.log(`Present on: ${[...channels].sort().join(', ')}`);
});
