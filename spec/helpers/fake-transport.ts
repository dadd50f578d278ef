import { asyncScheduler, Observable } from 'rxjs';
import { Keyset, KeysetStore, UserId } from '../../lib/keyset';
import type { PresenceContext } from '../../lib/operations/context';
import type { PresenceOperation } from '../../lib/errors';
import type { PresenceRequest } from '../../lib/transport/types';

/** A request as the fake transport saw it, at the (virtual) time it was subscribed. */
export interface RecordedRequest extends PresenceRequest {
  readonly channels: string[];
  /** Virtual (or real) time of the subscription, ms. */
  readonly at: number;
}

type Handler = (request: PresenceRequest, call: number) => Observable<unknown>;

/**
 * A scripted transport for marble specs: one handler per operation, each returning a cold
 * Observable; every request is recorded (decoded channel list included) when subscribed.
 */
export function fakeContext(handlers: Partial<Record<PresenceOperation, Handler>>, keyset = new Keyset({ subscribeKey: 'sub', userId: new UserId('me') })) {
  const requests: RecordedRequest[] = [];
  const calls = new Map<PresenceOperation, number>();
  const keysets = new KeysetStore().add('default', keyset, { useAsDefault: true });
  const context: PresenceContext = {
    keysets,
    transport: (request) =>
      new Observable<unknown>((subscriber) => {
        const segment = /\/channel\/([^/]*)/.exec(request.path)?.[1] ?? ',';
        requests.push({ ...request, at: asyncScheduler.now(), channels: segment === ',' ? [] : segment.split(',').map(decodeURIComponent) });
        const handler = handlers[request.operation];
        if (handler === undefined) throw new Error(`no fake handler for ${request.operation}`);
        const call = calls.get(request.operation) ?? 0;
        calls.set(request.operation, call + 1);
        return handler(request, call).subscribe(subscriber);
      }),
  };
  const of = (operation: PresenceOperation) => requests.filter((r) => r.operation === operation);
  return { context, keyset, requests, of };
}

/** Bodies the protocol sends, for fake answers. */
export const bodies = {
  heartbeat: { status: 200, message: 'OK', service: 'Presence' },
  leave: { status: 200, action: 'leave', message: 'OK', service: 'Presence' },
} as const;
