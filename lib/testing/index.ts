/**
 * Helpers for testing your own presence code with marbles: a {@link Presence} client whose
 * transport answers from a script of cold Observables, with every request recorded.
 *
 * @packageDocumentation
 */
import { asyncScheduler, Observable } from 'rxjs';
import type { PresenceOperation } from '../errors';
import { Keyset, UserId } from '../keyset';
import { Presence } from '../presence';
import type { PresenceRequest } from '../transport/types';

/** A request the scripted transport saw, and the (virtual) time it was subscribed. */
export interface RecordedRequest extends PresenceRequest {
  readonly at: number;
}

/** Answers one operation: return a cold Observable of the response body (or an error). */
export type ScriptedAnswer = (request: PresenceRequest, call: number) => Observable<unknown>;

/**
 * A client for marble tests. Inside `TestScheduler.run`, answer with `cold('-a|', { a: body })`
 * and the client's streams run on virtual time.
 *
 * @example
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { scriptedPresence, responses } from 'rx-presence/testing';
 *
 * new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
 *   const { presence, requests } = scriptedPresence({
 *     hereNow: () => cold('-a|', { a: responses.hereNow(['alice']) }),
 *   });
 *   expectObservable(presence.presenceEvents$({ channels: ['lobby'] }), '^ 5s !')
 *     .toBe('-a', { a: expect.objectContaining({ action: 'join', uuid: 'alice' }) });
 * });
 * ```
 */
export function scriptedPresence(answers: Partial<Record<PresenceOperation, ScriptedAnswer>>, keyset = new Keyset({ subscribeKey: 'test', userId: new UserId('me') })) {
  const requests: RecordedRequest[] = [];
  const calls = new Map<PresenceOperation, number>();
  const presence = new Presence({
    defaultKeyset: keyset,
    transport: (request) =>
      new Observable<unknown>((subscriber) => {
        requests.push({ ...request, at: asyncScheduler.now() });
        const answer = answers[request.operation];
        if (answer === undefined) throw new Error(`scriptedPresence: no answer for ${request.operation}`);
        const call = calls.get(request.operation) ?? 0;
        calls.set(request.operation, call + 1);
        return answer(request, call).subscribe(subscriber);
      }),
  });
  return { presence, requests };
}

/**
 * Response bodies as the service sends them, for scripted answers.
 *
 * @example
 * ```ts
 * responses.hereNow(['alice', { uuid: 'bob', state: { mood: 'ok' } }]);
 * ```
 */
export const responses = {
  /** A single-channel here-now (the flat shape). */
  hereNow: (occupants: ReadonlyArray<string | { uuid: string; state?: unknown }>) => ({
    status: 200,
    message: 'OK',
    service: 'Presence',
    occupancy: occupants.length,
    uuids: occupants,
  }),
  heartbeat: () => ({ status: 200, message: 'OK', service: 'Presence' }),
  leave: () => ({ status: 200, action: 'leave', message: 'OK', service: 'Presence' }),
  whereNow: (channels: readonly string[]) => ({ status: 200, message: 'OK', payload: { channels }, service: 'Presence' }),
} as const;
