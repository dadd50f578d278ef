// heartbeat$: stay present while subscribed; cancel means leave.
import { firstValueFrom, takeUntil, timer } from 'rxjs';
import { Keyset, Presence, UserId } from 'rx-presence';
import { runExample } from './support/run';

runExample(async ({ origin, subscribeKey }) => {
  const alice = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: new UserId('alice') }), origin });
  const watcher = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: new UserId('watcher') }), origin });
  const whoIsHere = async () => [...((await firstValueFrom(watcher.hereNow({ channels: ['lobby'] }))).channels.get('lobby')?.uuids.keys() ?? [])];

  // Present on 'lobby' with a mood, heartbeating every 2 s, for 3 s: then takeUntil ends the
  // subscription, and ending it announces leave.
  const done = new Promise<void>((resolve) =>
    alice
      .heartbeat$({ channels: ['lobby'], heartbeat: 10, interval: 2, state: { lobby: { mood: 'focused' } } })
      .pipe(takeUntil(timer(3000)))
      .subscribe({ next: (event) => console.log(`heartbeat ${event.type} for ${event.channels.join(', ')}`), complete: resolve }),
  );
  await timer(500).forEach(() => undefined);
  console.log(`while subscribed: ${(await whoIsHere()).join(', ')}`);
  await done;
  await timer(200).forEach(() => undefined);
  console.log(`after takeUntil: ${(await whoIsHere()).length} present`);
});
