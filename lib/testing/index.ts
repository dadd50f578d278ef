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

/**
 * A request the scripted transport saw, and the (virtual) time it was subscribed.
 *
 * @example
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { scriptedPresence, responses } from 'rx-presence/testing';
 *
 * new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, flush }) => {
 *   const { presence, requests } = scriptedPresence({ heartbeat: () => cold('-a|', { a: responses.heartbeat() }) });
 *   presence.announceHeartbeat({ channels: ['lobby'] }).subscribe();
 *   flush();
 *   console.log(requests.map((r) => `${r.at} ${r.operation} ${r.path}`));
 * });
 * // Output: [ '0 heartbeat /v2/presence/sub-key/test/channel/lobby/heartbeat' ]
 * ```
 */
export interface RecordedRequest extends PresenceRequest {
  /** When the request was subscribed: `asyncScheduler.now()`, so virtual ms inside `TestScheduler.run`. */
  readonly at: number;
}

/**
 * Answers one operation: return a cold Observable of the response body (or an error).
 *
 * @example
 * ```ts
 * import { of, throwError } from 'rxjs';
 * import { PresenceError } from 'rx-presence';
 * import { responses, type ScriptedAnswer } from 'rx-presence/testing';
 *
 * // The first here-now fails with a 503, every later one answers.
 * const hereNow: ScriptedAnswer = (_request, call) =>
 *   call === 0
 *     ? throwError(() => new PresenceError('server-error', 'hereNow failed: 503', { operation: 'hereNow', statusCode: 503 }))
 *     : of(responses.hereNow(['alice']));
 * ```
 */
export type ScriptedAnswer = (request: PresenceRequest, call: number) => Observable<unknown>;

/**
 * What {@link scriptedPresence} returns: the client, and the requests it has made so far.
 *
 * @example
 * ```ts
 * import { scriptedPresence, type ScriptedPresence } from 'rx-presence/testing';
 *
 * const scripted: ScriptedPresence = scriptedPresence({});
 * console.log(scripted.requests.length);
 * // Output: 0
 * ```
 */
export interface ScriptedPresence {
  /** A client whose every request is answered by the script; its default keyset is the one given. */
  presence: Presence;
  /** Every request made so far, in subscription order; the array fills as requests are made. */
  requests: RecordedRequest[];
}

/**
 * A client for marble tests. Inside `TestScheduler.run`, answer with `cold('-a|', { a: body })`
 * and the client's streams run on virtual time. An operation with no answer errors at subscribe
 * time, so a test never waits on a request it did not expect.
 *
 * @param answers One {@link ScriptedAnswer} per operation the test expects.
 * @param keyset The default keyset. Default: subscribe key `test`, user `me`.
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
export function scriptedPresence(
  answers: Partial<Record<PresenceOperation, ScriptedAnswer>>,
  keyset = new Keyset({ subscribeKey: 'test', userId: new UserId('me') }),
): ScriptedPresence {
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
 * An occupant as a here-now body lists it with state: `{ uuid, state? }`.
 *
 * @example
 * ```ts
 * import { responses, type ScriptedOccupant } from 'rx-presence/testing';
 *
 * const bob: ScriptedOccupant = { uuid: 'bob', state: { mood: 'ok' } };
 * responses.hereNow(['alice', bob]);
 * ```
 */
export interface ScriptedOccupant {
  /** The occupant's user id. */
  uuid: string;
  /** The occupant's state on the channel; leave it out for a user without state. */
  state?: unknown;
}

/**
 * A single-channel here-now body (the flat shape), as {@link ScriptedResponses.hereNow | responses.hereNow} builds it.
 *
 * @example
 * ```ts
 * import { responses, type HereNowResponse } from 'rx-presence/testing';
 *
 * const body: HereNowResponse = responses.hereNow(['alice']);
 * console.log(body.occupancy);
 * // Output: 1
 * ```
 */
export interface HereNowResponse {
  /** Always 200. */
  status: number;
  /** Always `OK`. */
  message: string;
  /** Always `Presence`. */
  service: string;
  /** The number of occupants given. */
  occupancy: number;
  /** The occupants given: bare uuids, or `{ uuid, state }` as with `state=1`. */
  uuids: readonly (string | ScriptedOccupant)[];
}

/**
 * A successful heartbeat body, as {@link ScriptedResponses.heartbeat | responses.heartbeat} builds it.
 *
 * @example
 * ```ts
 * import { responses } from 'rx-presence/testing';
 *
 * console.log(responses.heartbeat());
 * // Output: { status: 200, message: 'OK', service: 'Presence' }
 * ```
 */
export interface HeartbeatResponse {
  /** Always 200. */
  status: number;
  /** Always `OK`. */
  message: string;
  /** Always `Presence`. */
  service: string;
}

/**
 * A successful leave body, as {@link ScriptedResponses.leave | responses.leave} builds it.
 *
 * @example
 * ```ts
 * import { responses } from 'rx-presence/testing';
 *
 * console.log(responses.leave());
 * // Output: { status: 200, action: 'leave', message: 'OK', service: 'Presence' }
 * ```
 */
export interface LeaveResponse {
  /** Always 200. */
  status: number;
  /** Always `leave`. */
  action: string;
  /** Always `OK`. */
  message: string;
  /** Always `Presence`. */
  service: string;
}

/**
 * A where-now body, as {@link ScriptedResponses.whereNow | responses.whereNow} builds it.
 *
 * @example
 * ```ts
 * import { responses } from 'rx-presence/testing';
 *
 * console.log(responses.whereNow(['lobby']).payload);
 * // Output: { channels: [ 'lobby' ] }
 * ```
 */
export interface WhereNowResponse {
  /** Always 200. */
  status: number;
  /** Always `OK`. */
  message: string;
  /** The answer proper. */
  payload: {
    /** The channels given. */
    channels: readonly string[];
  };
  /** Always `Presence`. */
  service: string;
}

/**
 * The builders of {@link responses}: one per operation a presence test usually scripts.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { responses, type ScriptedResponses } from 'rx-presence/testing';
 *
 * const answerWith = (r: ScriptedResponses) => ({ heartbeat: () => of(r.heartbeat()), leave: () => of(r.leave()) });
 * const answers = answerWith(responses);
 * ```
 */
export interface ScriptedResponses {
  /** A single-channel here-now (the flat shape) listing `occupants`; `occupancy` is their number. */
  readonly hereNow: (occupants: ReadonlyArray<string | ScriptedOccupant>) => HereNowResponse;
  /** A successful heartbeat. */
  readonly heartbeat: () => HeartbeatResponse;
  /** A successful leave. */
  readonly leave: () => LeaveResponse;
  /** A where-now listing `channels`. */
  readonly whereNow: (channels: readonly string[]) => WhereNowResponse;
}

/**
 * Response bodies as the service sends them, for scripted answers. Each call returns a new object.
 *
 * @example
 * ```ts
 * import { responses } from 'rx-presence/testing';
 *
 * const body = responses.hereNow(['alice', { uuid: 'bob', state: { mood: 'ok' } }]);
 * console.log(body.occupancy, body.uuids);
 * // Output: 2 [ 'alice', { uuid: 'bob', state: { mood: 'ok' } } ]
 * ```
 */
export const responses: ScriptedResponses = {
  hereNow: (occupants) => ({
    status: 200,
    message: 'OK',
    service: 'Presence',
    occupancy: occupants.length,
    uuids: occupants,
  }),
  heartbeat: () => ({ status: 200, message: 'OK', service: 'Presence' }),
  leave: () => ({ status: 200, action: 'leave', message: 'OK', service: 'Presence' }),
  whereNow: (channels) => ({ status: 200, message: 'OK', payload: { channels }, service: 'Presence' }),
};
