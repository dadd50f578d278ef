// presenceEvents$: joins, state changes and leaves derived from snapshots, typed with io-ts.
import * as t from 'io-ts';
import { firstValueFrom, take, tap, timer, toArray } from 'rxjs';
import { Keyset, Presence, UserId } from 'rx-presence';
import { runExample } from './support/run';

const Mood = t.type({ mood: t.string });

runExample(async ({ origin, subscribeKey }) => {
  const watcher = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: new UserId('watcher') }), origin });
  const alice = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: new UserId('alice') }), origin });

  const events = firstValueFrom(
    watcher.presenceEvents$({ channels: ['lobby'], interval: 3, stateCodec: Mood }).pipe(
      tap((e) => console.log(`${e.action}: ${e.uuid} on ${e.channel}${'state' in e && e.state ? ` ${JSON.stringify(e.state)}` : ''} (${e.occupancy} here)`)),
      take(3),
      toArray(),
    ),
  );

  // The heartbeat carries alice's state; setState changes it until the next heartbeat re-sends it.
  const present = alice.heartbeat$({ channels: ['lobby'], heartbeat: 60, interval: 20, state: { lobby: { mood: 'happy' } } }).subscribe();
  await timer(3500).forEach(() => undefined);
  await firstValueFrom(alice.setState({ mood: 'busy' }, { channels: ['lobby'] }));
  await timer(3000).forEach(() => undefined);
  present.unsubscribe(); // cancel means leave
  console.log(`${(await events).length} events`);
});
