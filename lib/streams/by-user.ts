import { defer, EMPTY, filter, map, mergeMap, type Observable, of, type OperatorFunction, Subject, takeUntil, timer } from 'rxjs';
import { validationError } from '../errors';
import type { PresenceEvent } from '../types';

/**
 * Says which user a device is: the same key for every uuid (phone, laptop, tab) of one person.
 * Gets the occupant's uuid and its state (decoded when the stream has a `stateCodec`; `undefined`
 * when there is none or it failed). A function that throws, or returns something other than a
 * string, is taken to mean "this uuid is its own user": another user's state can never end the
 * stream.
 *
 * @example
 * ```ts
 * import type { UserOf } from 'rx-presence';
 *
 * // "alice:phone" and "alice:laptop" are both alice.
 * const userOf: UserOf = (uuid) => uuid.split(':')[0];
 * console.log(userOf('alice:phone', undefined));
 * // Output: alice
 * ```
 */
export type UserOf<S = unknown> = (uuid: string, state: S | undefined) => string;

/**
 * A presence event about a user rather than a device (see {@link byUser}): `user` is the key
 * `userOf` gave, `devices` the uuids of the user on the channel after the event.
 *
 * @example
 * ```ts
 * import type { UserPresenceEvent } from 'rx-presence';
 *
 * const line = (e: UserPresenceEvent) => `${e.user} ${e.action} ${e.channel} (${e.devices.length} devices)`;
 * console.log(line({ action: 'join', channel: 'lobby', uuid: 'alice:phone', occupancy: 1, timestamp: 0, user: 'alice', devices: ['alice:phone'] }));
 * // Output: alice join lobby (1 devices)
 * ```
 */
export type UserPresenceEvent<S = unknown> = PresenceEvent<S> & {
  /** The user, as `userOf` named it. */
  readonly user: string;
  /** The user's devices (uuids) on the channel after this event, in order of arrival; empty after a leave. */
  readonly devices: readonly string[];
};

/**
 * The user of a uuid, never throwing: a bad `userOf` answer makes the uuid its own user.
 *
 * @example
 * ```ts
 * console.log(userKey(() => { throw new Error('no state'); }, 'alice:phone', undefined));
 * // Output: alice:phone
 * ```
 *
 * @internal
 */
export function userKey<S>(userOf: UserOf<S>, uuid: string, state: S | undefined): string {
  try {
    const user = userOf(uuid, state);
    return typeof user === 'string' ? user : uuid;
  } catch {
    return uuid;
  }
}

/**
 * Turns device events into user events: a user `join` when the first of a user's devices
 * arrives on a channel, a `leave` (or `timeout`) when the last one goes, each listing the
 * user's devices there; devices coming and going in between yield nothing. A user's leave waits
 * for the end of the burst it came in (one poll's or one long-poll answer's events, emitted
 * together): a device of the same user arriving in it calls the leave off, since the user was
 * there before and after (a phone swapped for a laptop between two polls), as `roster$` shows it.
 * State changes pass through, as the user's. A device keeps the user it joined as, whatever its
 * state says later.
 * `presence.presenceEvents$({ userOf })` and `roster$({ userOf })` use it; with the free
 * `presenceEvents$`, pipe it yourself.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { byUser, type PresenceEvent } from 'rx-presence';
 *
 * const e = (action: 'join' | 'leave', uuid: string): PresenceEvent => ({ action, channel: 'lobby', uuid, occupancy: 0, timestamp: 0 });
 * of(e('join', 'alice:phone'), e('join', 'alice:laptop'), e('leave', 'alice:phone'), e('leave', 'alice:laptop'))
 *   .pipe(byUser((uuid) => uuid.split(':')[0]))
 *   .subscribe((u) => console.log(u.action, u.user, u.devices));
 * // Output:
 * // join alice [ 'alice:phone' ]
 * // leave alice []
 * ```
 */
export function byUser<S = unknown>(userOf: UserOf<S>): OperatorFunction<PresenceEvent<S>, UserPresenceEvent<S>> {
  return (source: Observable<PresenceEvent<S>>) =>
    defer(() => {
      // A userOf that throws is a peer's data at fault, forgiven; one that is no function is ours.
      if (typeof userOf !== 'function') throw validationError('hereNow', 'userOf must be a function');
      // Per channel: each user's devices, and each device's user (fixed when it joined).
      const channels = new Map<string, { users: Map<string, string[]>; userOfDevice: Map<string, string> }>();
      // User leaves held to the end of their burst, by channel and user; a join calls one off.
      const pending = new Set<string>();
      const calledOff$ = new Subject<string>();
      return source.pipe(
        mergeMap((event): Observable<UserPresenceEvent<S>> => {
          let channel = channels.get(event.channel);
          if (channel === undefined) channels.set(event.channel, (channel = { users: new Map(), userOfDevice: new Map() }));
          const { users, userOfDevice } = channel;
          const state = event.action === 'state-invalid' ? undefined : event.state;
          const user = userOfDevice.get(event.uuid) ?? userKey(userOf, event.uuid, state);
          const devices = users.get(user) ?? [];
          const key = `${event.channel}\u0000${user}`;
          if (event.action === 'leave' || event.action === 'timeout') {
            if (!devices.includes(event.uuid)) return EMPTY;
            const left = devices.filter((uuid) => uuid !== event.uuid);
            userOfDevice.delete(event.uuid);
            if (left.length > 0) {
              users.set(user, left);
              return EMPTY;
            }
            users.delete(user);
            if (users.size === 0) channels.delete(event.channel);
            // timer(0): the rest of the burst is emitted synchronously before it goes off.
            pending.add(key);
            return timer(0).pipe(
              takeUntil(calledOff$.pipe(filter((off) => off === key))),
              map((): UserPresenceEvent<S> => {
                pending.delete(key);
                return { ...event, user, devices: left };
              }),
            );
          }
          if (devices.includes(event.uuid)) return of({ ...event, user, devices });
          // A join, or a state change of a device we had not seen (it is present now).
          const now = [...devices, event.uuid];
          users.set(user, now);
          userOfDevice.set(event.uuid, user);
          // The user's last device left in this burst and another arrives: the user never left.
          const stayed = pending.delete(key);
          if (stayed) calledOff$.next(key);
          // A further device of a user already present is no user join.
          if ((devices.length > 0 || stayed) && event.action === 'join') return EMPTY;
          return of({ ...event, user, devices: now });
        }),
      );
    });
}
