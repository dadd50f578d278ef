// Get a list of user ids present on a channel (Dart: "Get a list of UUIDs subscribed to channel").
import { firstValueFrom } from 'rxjs';
import { Keyset, Presence, UserId } from 'rx-presence';
import { runExample } from './support/run';

runExample(async ({ origin, subscribeKey }) => {
  // Create a Presence client with a default keyset.
  const presence = new Presence({
    defaultKeyset: new Keyset({ subscribeKey, publishKey: 'demo', userId: new UserId('myUniqueUserId') }),
    origin,
  });
  await firstValueFrom(presence.announceHeartbeat({ channels: ['my_channel'] }));

  // Channel to get presence information
  const result = await firstValueFrom(presence.hereNow({ channels: ['my_channel'] }));
  console.log(`Total channels: ${result.totalChannels}`);
  console.log(`Total occupancy: ${result.totalOccupancy}`);
  for (const [name, channel] of result.channels) {
    console.log(`Channel: ${name}, occupancy: ${channel.count}, users: ${[...channel.uuids.keys()].join(', ')}`);
  }
});
