/**
 * Runs an example against `RX_PRESENCE_ORIGIN` (with `RX_PRESENCE_SUB_KEY`) when set, else
 * against an in-process emulator, so that every example works offline with no account.
 */
import { startEmulator } from 'rx-presence/emulator';

/** Where an example sends its requests. */
export interface ExampleTarget {
  readonly origin: string;
  readonly subscribeKey: string;
}

export function runExample(example: (target: ExampleTarget) => Promise<void>): void {
  const main = async () => {
    const external = process.env.RX_PRESENCE_ORIGIN;
    const emulator = external ? undefined : await startEmulator({ hereNowCacheMs: 0 });
    try {
      await example({ origin: external ?? emulator!.url, subscribeKey: process.env.RX_PRESENCE_SUB_KEY ?? 'demo' });
    } finally {
      await emulator?.close();
    }
  };
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
