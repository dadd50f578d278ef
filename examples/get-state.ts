// Get state on channels and channel groups (Dart: "Get state").
import { firstValueFrom } from 'rxjs';
import { Keyset, Presence, UserId } from 'rx-presence';
import { runExample } from './support/run';

runExample(async ({ origin, subscribeKey }) => {
  const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: new UserId('myUniqueUserId') }), origin });
  await firstValueFrom(presence.channelGroups.addChannels('cg1', ['g1']));
  await firstValueFrom(presence.channelGroups.addChannels('cg2', ['g2']));
  await firstValueFrom(presence.setState({ mood: 'ok' }, { channels: ['ch1', 'ch2', 'ch3'], channelGroups: ['cg1', 'cg2'] }));

  const result = await firstValueFrom(presence.getState({ channels: ['ch1', 'ch2', 'ch3'], channelGroups: ['cg1', 'cg2'] }));
  for (const [channel, state] of [...result.stateByChannel].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`${channel}: ${JSON.stringify(state)}`);
  }
  console.log(`By user: ${JSON.stringify(Object.fromEntries(result.stateByUUID()))}`);
});
