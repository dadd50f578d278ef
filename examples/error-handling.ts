// Errors: every failure is a PresenceError with a category to switch on.
import { catchError, firstValueFrom, of } from 'rxjs';
import { isPresenceError, Keyset, Presence, UserId } from 'rx-presence';
import { runExample } from './support/run';

runExample(async ({ origin, subscribeKey }) => {
  const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: new UserId('me') }), origin });

  // Bad arguments fail before any request, as a `validation` error.
  try {
    await firstValueFrom(presence.announceHeartbeat({ channels: ['lobby'], heartbeat: 500 }));
  } catch (error) {
    if (isPresenceError(error)) console.log(`${error.category}: ${error.message}`);
  }

  // In a pipeline, recover with catchError and the category.
  const unreachable = new Presence({ defaultKeyset: presence.keysets.defaultKeyset, origin: 'http://127.0.0.1:9', retry: { attempts: 1 } });
  const channels = await firstValueFrom(
    unreachable.whereNow().pipe(
      catchError((error: unknown) => {
        if (isPresenceError(error) && error.category === 'network') {
          console.log(`network: offline, showing no channels`);
          return of({ channels: [] as string[] });
        }
        throw error;
      }),
    ),
  );
  console.log(`channels: ${channels.channels.length}`);
});
