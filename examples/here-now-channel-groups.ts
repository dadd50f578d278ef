// Here now for a channel group: every channel of the group (Dart: "Here Now for Channel Groups").
import { firstValueFrom } from 'rxjs';
import { Keyset, Presence, UserId } from 'rx-presence';
import { runExample } from './support/run';

runExample(async ({ origin, subscribeKey }) => {
  const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: new UserId('myUniqueUserId') }), origin });
  await firstValueFrom(presence.channelGroups.addChannels('cg1', ['ch1', 'ch2']));
  await firstValueFrom(presence.announceHeartbeat({ channelGroups: ['cg1'] }));

  const result = await firstValueFrom(presence.hereNow({ channelGroups: ['cg1'] }));
  console.log(`Total occupancy: ${result.totalOccupancy}`);
  for (const [name, channel] of result.channels) console.log(`${name}: ${[...channel.uuids.keys()].join(', ')}`);
});
