// roster$: who is here now, as one replayed snapshot per change, with selectors a view binds to,
// devices grouped into users, and status$ for "reconnecting…".
import * as t from 'io-ts';
import { filter, firstValueFrom, map } from 'rxjs';
import { isPresent, Keyset, members, occupancy, Presence, stateOf, UserId } from 'rx-presence';
import { runExample } from './support/run';

const Profile = t.type({ name: t.string });

runExample(async ({ origin, subscribeKey }) => {
  const client = (uuid: string) => new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: new UserId(uuid) }), origin });
  const watcher = client('watcher');

  // One roster, seeded by a here-now and kept by real-time events; every subscriber shares it.
  const roster$ = watcher.roster$({ channels: ['lobby'], source: 'subscribe', stateCodec: Profile, userOf: (uuid) => uuid.split(':')[0] });
  const seen = [
    roster$.pipe(occupancy('lobby')).subscribe((n) => console.log(`occupancy: ${n}`)),
    roster$.pipe(isPresent('alice')).subscribe((here) => console.log(`alice present: ${here}`)),
    roster$.pipe(stateOf('bob', 'lobby')).subscribe((state) => console.log(`bob's state: ${JSON.stringify(state)}`)),
    watcher.status$.subscribe((streams) => streams.filter((s) => s.state !== 'live').forEach((s) => console.log(`${s.stream}: ${s.state}`))),
  ];
  const users = (count: number) =>
    firstValueFrom(roster$.pipe(map((roster) => [...(roster.channels.get('lobby')?.users.values() ?? [])]), filter((list) => list.length === count)));

  // Alice on two devices, and bob, one after the other; then alice's phone goes, then her laptop.
  const join = async (uuid: string, name: string, expected: number) => {
    const present = client(uuid).heartbeat$({ channels: ['lobby'], state: { lobby: { name } } }).subscribe();
    await firstValueFrom(roster$.pipe(occupancy('lobby'), filter((n) => n === expected)));
    return present;
  };
  await firstValueFrom(roster$);
  const phone = await join('alice:phone', 'Alice', 1);
  const laptop = await join('alice:laptop', 'Alice', 2);
  const bob = await join('bob', 'Bob', 3);
  for (const user of await users(2)) console.log(`${user.user}: ${user.devices.map((d) => d.uuid).join(', ')}`);
  const names = await firstValueFrom(roster$.pipe(members<{ name: string }>('lobby'), filter((list) => list.length === 3)));
  console.log(`members: ${names.map((m) => m.state?.name).join(', ')}`);

  phone.unsubscribe();
  await firstValueFrom(roster$.pipe(occupancy('lobby'), filter((n) => n === 2)));
  laptop.unsubscribe();
  await firstValueFrom(roster$.pipe(isPresent('alice'), filter((here) => !here)));
  bob.unsubscribe();
  await firstValueFrom(roster$.pipe(occupancy('lobby'), filter((n) => n === 0)));
  seen.forEach((s) => s.unsubscribe());
});
