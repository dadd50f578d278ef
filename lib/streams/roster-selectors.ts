/**
 * Selectors over a roster: pipeable operators that pick what a view binds to out of `roster$`,
 * each emitting only when its own answer changes (a roster change elsewhere emits nothing).
 */
import { distinctUntilChanged, map, type OperatorFunction, pipe } from 'rxjs';
import { jsonEqual } from './json-equal';
import type { Roster, RosterMember } from './roster-stream';

/**
 * How many occupants (devices) a channel has; 0 for a channel not in the roster.
 *
 * @example
 * ```ts
 * import { occupancy } from 'rx-presence';
 *
 * presence.roster$({ channels: ['lobby'] }).pipe(occupancy('lobby')).subscribe((n) => console.log(`${n} here`));
 * ```
 */
export function occupancy(channel: string): OperatorFunction<Roster<unknown>, number> {
  return pipe(
    map((roster) => roster.channels.get(channel)?.occupancy ?? 0),
    distinctUntilChanged(),
  );
}

/**
 * A channel's members, in order of arrival; emits when one arrives, leaves or changes state.
 *
 * @example
 * ```ts
 * import { members } from 'rx-presence';
 *
 * presence.roster$({ channels: ['lobby'] }).pipe(members('lobby')).subscribe((list) => console.log(list.map((m) => m.uuid)));
 * ```
 */
export function members<S>(channel: string): OperatorFunction<Roster<S>, readonly RosterMember<S>[]> {
  return pipe(
    map((roster) => [...(roster.channels.get(channel)?.members.values() ?? [])]),
    // A roster keeps the member objects it did not change, so comparing them by reference is
    // comparing them structurally.
    distinctUntilChanged((a, b) => a.length === b.length && a.every((member, i) => member === b[i])),
  );
}

/**
 * Whether a uuid, or a user as `userOf` names it, is present: on `channel`, or on any channel of
 * the roster when it is left out.
 *
 * @example
 * ```ts
 * import { isPresent } from 'rx-presence';
 *
 * presence.roster$({ channels: ['lobby'], userOf: (uuid) => uuid.split(':')[0] })
 *   .pipe(isPresent('alice'))
 *   .subscribe((here) => console.log(here ? 'alice is here' : 'alice is away'));
 * ```
 */
export function isPresent(uuidOrUser: string, channel?: string): OperatorFunction<Roster<unknown>, boolean> {
  return pipe(
    map((roster) => {
      const channels = channel === undefined ? [...roster.channels.values()] : [roster.channels.get(channel)];
      return channels.some((c) => c !== undefined && (c.members.has(uuidOrUser) || c.users.has(uuidOrUser)));
    }),
    distinctUntilChanged(),
  );
}

/**
 * A member's state on a channel: decoded when the roster has a `stateCodec`; `undefined` while
 * it is absent, has no state, or its state is invalid. Emits when the state changes as JSON
 * (key order does not matter).
 *
 * @example
 * ```ts
 * import { StateInfo, stateOf } from 'rx-presence';
 *
 * presence.roster$({ channels: ['lobby'], stateInfo: StateInfo.all })
 *   .pipe(stateOf('alice', 'lobby'))
 *   .subscribe((state) => console.log('alice:', state));
 * ```
 */
export function stateOf<S>(uuid: string, channel: string): OperatorFunction<Roster<S>, S | undefined> {
  return pipe(
    map((roster) => roster.channels.get(channel)?.members.get(uuid)?.state),
    distinctUntilChanged((a, b) => jsonEqual(a, b)),
  );
}
