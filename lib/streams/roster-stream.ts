import {
  catchError,
  debounceTime,
  defer,
  distinctUntilChanged,
  filter,
  finalize,
  map,
  merge,
  type Observable,
  shareReplay,
  tap,
  throwError,
} from 'rxjs';
import { asPresenceError, validationError, type PresenceError } from '../errors';
import { StateInfo } from '../operations/here-now';
import type { PresenceContext } from '../presence-context';
import type { PresenceEvent } from '../types';
import { targets } from '../validate';
import { userKey, type UserOf } from './by-user';
import { keysetId, objectId } from './keyset-id';
import { presenceEvents$, type PresenceEventsOptions, type SubscribeSource } from './presence-events-stream';
import { loopId, statusBoard, type StreamStatus } from './status-board';

/**
 * Options of `presence.roster$()`: those of `presenceEvents$` (but `initial`: a roster always
 * starts from who is there), plus `userOf`.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * const options: RosterOptions<{ name: string }> = {
 *   channels: ['lobby'], source: 'subscribe', stateCodec: t.type({ name: t.string }), userOf: (uuid) => uuid.split(':')[0],
 * };
 * ```
 */
export interface RosterOptions<S = unknown> extends Omit<PresenceEventsOptions<S>, 'initial'> {
  /** Groups devices into users (see {@link UserOf}); each channel's `users` then holds one entry per person. Default: every uuid is its own user. */
  readonly userOf?: UserOf<S>;
}

/**
 * One occupant (device) of a channel in a {@link Roster}.
 *
 * @example
 * ```ts
 * const member: RosterMember<{ mood: string }> = { uuid: 'alice', state: { mood: 'ok' }, since: 1700000000000 };
 * ```
 */
export interface RosterMember<S = unknown> {
  /** The occupant's uuid. */
  readonly uuid: string;
  /** Its state, decoded by the `stateCodec` when there is one; absent when it has none (or it is invalid). */
  readonly state?: S;
  /** Set instead of `state` when the state failed the `stateCodec`: the state as received and why it failed. */
  readonly invalid?: {
    /** The state as received, undecoded. */
    readonly state: unknown;
    /** Why it failed, one readable line per problem. */
    readonly issues: readonly string[];
  };
  /** When we first saw it present (Unix ms): the event's time, or the poll's. */
  readonly since: number;
}

/**
 * One user on a channel: the devices `userOf` groups together (one device per user without it).
 *
 * @example
 * ```ts
 * const user: RosterUser = { user: 'alice', since: 0, devices: [{ uuid: 'alice:phone', since: 0 }, { uuid: 'alice:laptop', since: 5 }] };
 * ```
 */
export interface RosterUser<S = unknown> {
  /** The key `userOf` gave (the uuid without `userOf`). */
  readonly user: string;
  /** Its devices present on the channel, earliest first. */
  readonly devices: readonly RosterMember<S>[];
  /** When its first present device arrived. */
  readonly since: number;
}

/**
 * One channel of a {@link Roster}.
 *
 * @example
 * ```ts
 * const lobby: RosterChannel = { channel: 'lobby', occupancy: 0, members: new Map(), users: new Map() };
 * ```
 */
export interface RosterChannel<S = unknown> {
  /** The channel's name. */
  readonly channel: string;
  /** How many occupants (devices) are present. */
  readonly occupancy: number;
  /** The occupants by uuid, in order of arrival. */
  readonly members: ReadonlyMap<string, RosterMember<S>>;
  /** The occupants grouped into users, by user key, in order of arrival. */
  readonly users: ReadonlyMap<string, RosterUser<S>>;
}

/**
 * Who is on the channels now: an immutable snapshot, as `roster$` emits it.
 *
 * @example
 * ```ts
 * presence.roster$({ channels: ['lobby'] }).subscribe((roster) => {
 *   const lobby = roster.channels.get('lobby');
 *   console.log(`${lobby?.occupancy ?? 0} here${roster.stale ? ' (reconnecting…)' : ''}`);
 * });
 * ```
 */
export interface Roster<S = unknown> {
  /** Each channel: the ones asked for from the start (maybe empty), a group's as they are seen. */
  readonly channels: ReadonlyMap<string, RosterChannel<S>>;
  /** The last refresh failed (the service is unreachable, or answers 5xx): the roster may be behind. No one is dropped for it. */
  readonly stale: boolean;
  /** Why the last refresh failed, while `stale`. */
  readonly error?: PresenceError;
  /** When a refresh last succeeded (Unix ms), as of this snapshot; unset until one has. */
  readonly confirmedAt?: number;
}

/** What the fold takes: a change, or the health of the stream below. */
type Input<S> = { readonly event: PresenceEvent<S> } | { readonly status: StreamStatus | undefined };

const rosters = new WeakMap<PresenceContext, Map<string, Observable<Roster<never>>>>();

/**
 * The current occupants of channels as an immutable {@link Roster}, emitted once per change (not
 * per poll), shared by identical queries of a client and replayed to late subscribers; it stops
 * with its last subscriber. `source: 'poll'` (default) folds `hereNow$` snapshots; `source:
 * 'subscribe'` is seeded by a here-now and kept by `events$`, with its gap repair. A failed
 * refresh marks the roster `stale` (nobody is dropped for it) until the next success; a permanent
 * failure (403, 400) ends it with a `PresenceError`. With a `stateCodec`, a member's state is
 * decoded, or marked `invalid` with readable issues; with `userOf`, each channel's `users` groups
 * devices into people. For `source: 'subscribe'`, pass `events$` as `subscribeSource` (not
 * imported here, so polling pages stay small); `presence.roster$` does. Pipe the selectors
 * (`occupancy`, `members`, `isPresent`, `stateOf`) for the parts a view binds to.
 *
 * @example
 * ```ts
 * import { Keyset, presenceContext, roster$ } from 'rx-presence';
 *
 * const context = presenceContext({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'me' }) });
 * roster$(context, { channels: ['lobby'], interval: 5 }).subscribe((roster) =>
 *   console.log([...(roster.channels.get('lobby')?.members.keys() ?? [])]),
 * );
 * ```
 */
export function roster$<S = unknown>(context: PresenceContext, options: RosterOptions<S> = {}, subscribeSource?: SubscribeSource): Observable<Roster<S>> {
  return defer(() => {
    const { userOf, stateCodec, graceMs = 0, source = 'poll', ...pollOptions } = options;
    // The other options are checked by presenceEvents$, which the roster folds.
    if (userOf !== undefined && typeof userOf !== 'function') throw validationError('hereNow', 'userOf must be a function');
    const keyset = context.keysets.resolve(pollOptions, 'hereNow');
    const target = targets('hereNow', pollOptions, true);
    // Keyed by what the options mean, defaults applied, so that spelling one out does not split
    // the roster: the poll's (hereNow$'s) interval and state info, and no interval when subscribed.
    const key = JSON.stringify([
      keysetId(keyset),
      [...target.channels].sort(),
      [...target.channelGroups].sort(),
      source,
      source === 'poll' ? (pollOptions.interval ?? 10) : null,
      stateInfoOf(options),
      graceMs,
      stateCodec && objectId(stateCodec),
      userOf && objectId(userOf),
    ]);
    let registry = rosters.get(context);
    if (registry === undefined) rosters.set(context, (registry = new Map()));
    const known = registry.get(key) as Observable<Roster<S>> | undefined;
    if (known !== undefined) return known;
    const made: Observable<Roster<S>> = build(context, options, target.channels, subscribeSource).pipe(
      finalize(() => {
        if (registry?.get(key) === made) registry.delete(key);
      }),
      shareReplay({ bufferSize: 1, refCount: true }),
    );
    registry.set(key, made as Observable<Roster<never>>);
    return made;
  });
}

/** The here-now state info a roster polls with: as asked, else uuids, with states when decoded. */
const stateInfoOf = (options: Pick<RosterOptions, 'stateInfo' | 'stateCodec'>): StateInfo => options.stateInfo ?? (options.stateCodec === undefined ? StateInfo.onlyUUIDs : StateInfo.all);

/** One roster: the events of the stream below folded, with its health from the status board. */
function build<S>(context: PresenceContext, options: RosterOptions<S>, channels: readonly string[], subscribeSource: SubscribeSource | undefined): Observable<Roster<S>> {
  return defer(() => {
    const { userOf, source = 'poll', ...eventsOptions } = options;
    if (stateInfoOf(options) === StateInfo.none) throw validationError('hereNow', 'a roster needs uuids: stateInfo none gives counts only');
    const board = statusBoard(context);
    let statusId: string | undefined;
    const joined = (id: string) => (statusId = source === 'subscribe' ? id : loopId('poll', id));
    const events$ = presenceEvents$<S>(context, { ...eventsOptions, source }, subscribeSource, joined).pipe(map((event): Input<S> => ({ event })));
    // Subscribed after the events: by then the stream below has said which board entry is its.
    const health$ = board.all$.pipe(
      map((all) => all.find((status) => status.id === statusId)),
      // The board emits for every stream; this one's status object only changes with it.
      distinctUntilChanged(),
      map((status): Input<S> => ({ status })),
    );
    const draft = new RosterDraft<S>(channels, userOf);
    return merge(events$, health$).pipe(
      tap((input) => draft.apply(input)),
      filter(() => draft.ready),
      // One snapshot per answer: the events of one poll or long-poll come in one burst.
      debounceTime(0),
      map(() => draft.snapshot()),
      // Once per change: a confirmation alone (a poll that changed nothing) is not one, nor is
      // the same failure again.
      distinctUntilChanged((a, b) => a.channels === b.channels && a.stale === b.stale && a.error?.message === b.error?.message),
      // Whatever goes wrong while handling other users' data (a state no JSON parser makes, met by
      // the diff or the flap check), a subscriber sees a PresenceError, as with presenceEvents$.
      catchError((error: unknown) => throwError(() => asPresenceError(source === 'subscribe' ? 'subscribe' : 'hereNow', error))),
    );
  });
}

/**
 * The roster being built: changes are applied to mutable maps and the immutable {@link Roster}
 * is made once per burst, copying only the channels that changed (and keeping every member
 * object that did not), so that a seed of n occupants costs O(n), not O(n²).
 */
class RosterDraft<S> {
  readonly #members = new Map<string, Map<string, RosterMember<S>>>();
  readonly #changed = new Set<string>();
  readonly #userOf: UserOf<S> | undefined;
  #health: Pick<Roster<S>, 'stale' | 'error' | 'confirmedAt'> = { stale: false };
  #last: Roster<S>;
  /** The stream below has answered, or failed: there is something to show. */
  ready = false;

  constructor(channels: readonly string[], userOf: UserOf<S> | undefined) {
    this.#userOf = userOf;
    for (const channel of channels) this.#members.set(channel, new Map());
    this.#last = { channels: new Map(channels.map((name) => [name, emptyChannel<S>(name)])), stale: false };
  }

  apply(input: Input<S>): void {
    if ('event' in input) this.#applyEvent(input.event);
    else this.#applyStatus(input.status);
  }

  /** The roster now: the last one when nothing changed but the confirmation time. */
  snapshot(): Roster<S> {
    let channels = this.#last.channels;
    if (this.#changed.size > 0) {
      const next = new Map(channels);
      for (const channel of this.#changed) {
        const members = new Map(this.#members.get(channel));
        next.set(channel, { channel, occupancy: members.size, members, users: usersOf(members, this.#userOf) });
      }
      this.#changed.clear();
      channels = next;
    }
    return (this.#last = { channels, ...this.#health });
  }

  /** The health of the stream below: `stale` while its last refresh failed. */
  #applyStatus(status: StreamStatus | undefined): void {
    if (status === undefined || status.state === 'connecting') return;
    this.ready = true;
    const stale = status.state !== 'live';
    this.#health = {
      stale,
      ...(stale && status.error !== undefined ? { error: status.error } : {}),
      ...(status.lastSuccess === undefined ? {} : { confirmedAt: status.lastSuccess }),
    };
  }

  #applyEvent(event: PresenceEvent<S>): void {
    let members = this.#members.get(event.channel);
    if (members === undefined) this.#members.set(event.channel, (members = new Map()));
    if (event.action === 'leave' || event.action === 'timeout') {
      if (!members.delete(event.uuid)) return;
    } else {
      const since = members.get(event.uuid)?.since ?? event.timestamp;
      members.set(
        event.uuid,
        event.action === 'state-invalid'
          ? { uuid: event.uuid, invalid: { state: event.state, issues: event.issues }, since }
          : event.state === undefined
            ? { uuid: event.uuid, since }
            : { uuid: event.uuid, state: event.state, since },
      );
    }
    this.#changed.add(event.channel);
  }
}

function emptyChannel<S>(channel: string): RosterChannel<S> {
  return { channel, occupancy: 0, members: new Map(), users: new Map() };
}

/** The members grouped into users, in order of arrival. */
function usersOf<S>(members: ReadonlyMap<string, RosterMember<S>>, userOf: UserOf<S> | undefined): Map<string, RosterUser<S>> {
  const users = new Map<string, RosterUser<S>>();
  for (const member of members.values()) {
    const user = userOf === undefined ? member.uuid : userKey(userOf, member.uuid, member.state);
    const known = users.get(user);
    users.set(user, known === undefined ? { user, devices: [member], since: member.since } : { user, devices: [...known.devices, member], since: Math.min(known.since, member.since) });
  }
  return users;
}
