// Starting the emulator from code in your own tests: the README quotes this file.
import { firstValueFrom, take } from 'rxjs';
import { Keyset, Presence } from 'rx-presence';
import { startEmulator } from 'rx-presence/emulator';

it('an emulator in a test: start, use, close', async () => {
  const emulator = await startEmulator({ hereNowCacheMs: 0 });
  const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'me' }), origin: emulator.url });
  const firstEvent = firstValueFrom(emulator.events$.pipe(take(1)));
  await firstValueFrom(presence.announceHeartbeat({ channels: ['lobby'] }));
  expect(await firstEvent).toMatchObject({ action: 'join', uuid: 'me', channel: 'lobby', occupancy: 1 });
  await emulator.close();
});
