import type { Observable } from 'rxjs';
import type { KeysetChoice, KeysetStore } from './keyset';
import { addChannels, deleteGroup, listChannels, listGroups, removeChannels } from './operations/channel-groups';
import type { PresenceContext } from './presence-context';
import { announceHeartbeat, type AnnounceHeartbeatOptions } from './operations/heartbeat';
import { hereNow, type HereNowOptions } from './operations/here-now';
import { announceLeave, type AnnounceLeaveOptions } from './operations/leave';
import { getState, setState, type GetStateOptions, type SetStateOptions } from './operations/state';
import { whereNow, type WhereNowOptions } from './operations/where-now';
import { events$, type EventsOptions } from './streams/events-stream';
import type { HeartbeatEvent } from './streams/heartbeat-events';
import { heartbeat$, type HeartbeatStreamOptions } from './streams/heartbeat-stream';
import { hereNow$, type HereNowStreamOptions } from './streams/here-now-stream';
import { presenceEvents$, type PresenceEventsOptions } from './streams/presence-events-stream';
import { byUser, type UserOf, type UserPresenceEvent } from './streams/by-user';
import { roster$, type Roster, type RosterOptions } from './streams/roster-stream';
import type { StreamStatus } from './streams/status-board';
import { status$ } from './streams/status-stream';
import { presenceContext, type PresenceOptions } from './presence-context';
export { DEFAULT_ORIGIN, type PresenceOptions } from './presence-context';
import type {
  ChannelGroupChangeResult,
  ChannelGroupChannels,
  ChannelGroupList,
  GetUserStateResult,
  HeartbeatResult,
  HereNowResult,
  LeaveResult,
  PresenceEvent,
  PresenceState,
  SetUserStateResult,
  WhereNowResult,
} from './types';

/**
 * Channel-group management, as `presence.channelGroups`.
 *
 * @example
 * ```ts
 * await firstValueFrom(presence.channelGroups.addChannels('cg1', ['a', 'b']));
 * const { channels } = await firstValueFrom(presence.channelGroups.listChannels('cg1'));
 * ```
 */
export interface ChannelGroups {
  /** Adds channels to a group, creating it on first use. */
  addChannels(group: string, channels: Iterable<string>, options?: KeysetChoice): Observable<ChannelGroupChangeResult>;
  /** Removes channels from a group. */
  removeChannels(group: string, channels: Iterable<string>, options?: KeysetChoice): Observable<ChannelGroupChangeResult>;
  /** Lists a group's channels (none for an unknown group). */
  listChannels(group: string, options?: KeysetChoice): Observable<ChannelGroupChannels>;
  /** Lists the keyset's groups. */
  listGroups(options?: KeysetChoice): Observable<ChannelGroupList>;
  /** Deletes a group. */
  delete(group: string, options?: KeysetChoice): Observable<ChannelGroupChangeResult>;
}

/**
 * The presence client: every operation of PubNub's Presence API as a cold Observable, plus the
 * long-lived streams. Nothing is sent until you subscribe; each subscription sends its own
 * request; unsubscribing aborts it. Errors are always a `PresenceError`.
 *
 * @example
 * ```ts
 * import { firstValueFrom } from 'rxjs';
 * import { Presence, Keyset, UserId, StateInfo } from 'rx-presence';
 *
 * const presence = new Presence({
 *   defaultKeyset: new Keyset({ subscribeKey: 'demo', publishKey: 'demo', userId: new UserId('me') }),
 *   origin: 'http://127.0.0.1:8090',
 * });
 * const result = await firstValueFrom(presence.hereNow({ channels: ['my_channel'], stateInfo: StateInfo.all }));
 * console.log(result.totalOccupancy);
 * ```
 */
export class Presence {
  /** Named keysets; `using: name` picks one per call. */
  readonly keysets: KeysetStore;
  /** Channel-group management. */
  readonly channelGroups: ChannelGroups;
  /** The transport and keysets, for the free functions and streams. */
  readonly context: PresenceContext;
  /**
   * The health of every long-lived stream of this client (`heartbeat$`, the here-now polls under
   * `hereNow$`/`presenceEvents$`/`roster$`, each `events$`): per stream and channels,
   * `connecting | live | retrying | failed`, the attempt, the last `PresenceError`, the last
   * success time. Emits them all on every change; a late subscriber gets the current state at
   * once. Never errors. See `status$` for the details.
   *
   * @example
   * ```ts
   * presence.status$.subscribe((streams) => {
   *   const down = streams.find((s) => s.state === 'retrying');
   *   console.log(down ? `reconnecting (attempt ${down.attempt}): ${down.error?.category}` : 'ok');
   * });
   * ```
   */
  readonly status$: Observable<readonly StreamStatus[]>;

  constructor(options: PresenceOptions = {}) {
    const context = presenceContext(options);
    this.context = context;
    this.keysets = context.keysets;
    // Watched from the start, so that status$ knows every stream this client ever runs.
    this.status$ = status$(context);
    this.channelGroups = {
      addChannels: (group, channels, choice) => addChannels(context, group, channels, choice),
      removeChannels: (group, channels, choice) => removeChannels(context, group, channels, choice),
      listChannels: (group, choice) => listChannels(context, group, choice),
      listGroups: (choice) => listGroups(context, choice),
      delete: (group, choice) => deleteGroup(context, group, choice),
    };
  }

  /**
   * Who is present on channels and groups, with counts and optionally state. With no channels
   * and no groups, the whole keyset. Complete beyond 1,000 occupants per channel (pages are
   * fetched by offset). The service caches answers for 3 s.
   *
   * @example
   * ```ts
   * presence.hereNow({ channels: ['lobby'], stateInfo: StateInfo.all }).subscribe((r) => {
   *   for (const [uuid, { state }] of r.channels.get('lobby')?.uuids ?? []) console.log(uuid, state);
   * });
   * ```
   */
  hereNow(options: HereNowOptions = {}): Observable<HereNowResult> {
    return hereNow(this.context, options);
  }

  /**
   * The channels a user is present on; by default our own user.
   *
   * @example
   * ```ts
   * presence.whereNow({ uuid: 'alice' }).subscribe(({ channels }) => console.log(channels));
   * ```
   */
  whereNow(options: WhereNowOptions = {}): Observable<WhereNowResult> {
    return whereNow(this.context, options);
  }

  /**
   * Announces presence once on channels and groups; we stay present for `heartbeat` seconds
   * (default 300). For a user who stays, use `heartbeat$`, which repeats this and leaves.
   *
   * @example
   * ```ts
   * await firstValueFrom(presence.announceHeartbeat({ channels: ['my_channel'], heartbeat: 60 }));
   * ```
   */
  announceHeartbeat(options: AnnounceHeartbeatOptions = {}): Observable<HeartbeatResult> {
    return announceHeartbeat(this.context, options);
  }

  /**
   * Announces that we left channels and groups; the service drops us and our state at once.
   *
   * @example
   * ```ts
   * await firstValueFrom(presence.announceLeave({ channels: ['my_channel'] }));
   * ```
   */
  announceLeave(options: AnnounceLeaveOptions = {}): Observable<LeaveResult> {
    return announceLeave(this.context, options);
  }

  /**
   * Sets our state (a JSON object, at most 32 KiB) on channels and groups.
   *
   * @example
   * ```ts
   * await firstValueFrom(presence.setState({ is_typing: true }, { channels: ['my_channel'] }));
   * ```
   */
  setState(state: PresenceState, options: SetStateOptions = {}): Observable<SetUserStateResult> {
    return setState(this.context, state, options);
  }

  /**
   * A user's state on channels and groups; by default our own.
   *
   * @example
   * ```ts
   * const { stateByChannel } = await firstValueFrom(presence.getState({ channels: ['ch1', 'ch2'] }));
   * ```
   */
  getState(options: GetStateOptions = {}): Observable<GetUserStateResult> {
    return getState(this.context, options);
  }

  /**
   * Stays present on channels and groups until unsubscribed, then announces leave exactly once:
   * **cancel means leave**, whatever ends the subscription (unsubscribe, error, `take`,
   * `takeUntil`). Announces at once, then every `interval` seconds (default `heartbeat / 2 - 1`).
   * Transient failures are reported as `failed` events and retried with backoff; permanent ones
   * error the stream. All `heartbeat$` of one client and keyset share one loop whose requests
   * carry the union of their channels, split into requests within the service's limits (500
   * channels and groups, a 32 KiB URI, 32 KiB of state), so that merging never makes a valid
   * subscription fail; a leave goes out (in batches too) only for channels nobody holds.
   *
   * @example
   * ```ts
   * import { takeUntil, timer } from 'rxjs';
   * presence
   *   .heartbeat$({ channels: ['lobby'], heartbeat: 60, state: { lobby: { mood: 'ok' } } })
   *   .pipe(takeUntil(timer(30_000)))           // present for 30 s, then leave
   *   .subscribe((e) => console.log(e.type));
   * // Output: ok (then ok every 29 s while subscribed)
   * ```
   */
  heartbeat$(options: HeartbeatStreamOptions = {}): Observable<HeartbeatEvent> {
    return heartbeat$(this.context, options);
  }

  /**
   * Polled here-now snapshots every `interval` seconds (default 10, at least 3). Identical
   * subscriptions share one poll; a late subscriber gets the latest snapshot at once; the poll
   * stops with the last subscriber. A failed poll is retried and never ends the stream.
   *
   * @example
   * ```ts
   * import { map } from 'rxjs';
   * presence.hereNow$({ channels: ['lobby'], interval: 5 })
   *   .pipe(map((r) => r.totalOccupancy))
   *   .subscribe((n) => console.log(`${n} online`));
   * ```
   */
  hereNow$(options: HereNowStreamOptions = {}): Observable<HereNowResult> {
    return hereNow$(this.context, options);
  }

  /**
   * `join`, `leave` and `state-change` events derived from `hereNow$` snapshots. The first
   * snapshot yields a join per occupant (`initial: 'skip'` yields none); `graceMs` suppresses
   * flaps; `stateCodec` types the state (a bad one becomes a `state-invalid` event). With
   * `userOf`, events are about users rather than devices (see `byUser`): a `join` when a user's
   * first device arrives, a `leave` when the last goes, each with `user` and `devices`.
   *
   * @example
   * ```ts
   * import { filter } from 'rxjs';
   * presence.presenceEvents$({ channels: ['lobby'], interval: 5 })
   *   .pipe(filter((e) => e.action === 'join'))
   *   .subscribe((e) => console.log(`${e.uuid} joined ${e.channel} (${e.occupancy} here)`));
   * ```
   */
  presenceEvents$<S = unknown>(options: PresenceEventsOptions<S> & { readonly userOf: UserOf<S> }): Observable<UserPresenceEvent<S>>;
  presenceEvents$<S = unknown>(options?: PresenceEventsOptions<S> & { readonly userOf?: undefined }): Observable<PresenceEvent<S>>;
  presenceEvents$<S = unknown>(options: PresenceEventsOptions<S> & { readonly userOf?: UserOf<S> } = {}): Observable<PresenceEvent<S> | UserPresenceEvent<S>> {
    const { userOf, ...rest } = options;
    const events = presenceEvents$(this.context, rest, events$);
    return userOf === undefined ? events : events.pipe(byUser(userOf));
  }

  /**
   * Who is on the channels now, as an immutable {@link Roster} emitted once per change (not per
   * poll): per channel its occupancy and members (`uuid`, decoded `state` or `invalid` with
   * issues, `since`), grouped into `users` by `userOf`; `stale` while the last refresh failed,
   * `confirmedAt` the last success. Identical queries share one roster, replayed to late
   * subscribers. Options as `presenceEvents$` (`source: 'subscribe'` is seeded by a here-now and
   * kept by `events$`). Pipe `occupancy`, `members`, `isPresent` or `stateOf` for what a view
   * binds to.
   *
   * @example
   * ```ts
   * import { members } from 'rx-presence';
   * presence.roster$({ channels: ['lobby'], source: 'subscribe', stateInfo: StateInfo.all })
   *   .pipe(members('lobby'))
   *   .subscribe((list) => console.log(list.map((m) => `${m.uuid} ${JSON.stringify(m.state)}`)));
   * ```
   */
  roster$<S = unknown>(options: RosterOptions<S> = {}): Observable<Roster<S>> {
    return roster$(this.context, options, events$);
  }

  /**
   * Presence events in real time, over the service's subscribe long-poll on `<channel>-pnpres`:
   * `join`, `leave`, `timeout` and `state-change`, each with the service's `timetoken`. Reconnects
   * with backoff and catches up from its last timetoken; when it cannot (a gap, or the service's
   * `here_now_refresh`), it re-reads the channel and emits exactly the difference, so no event is
   * lost or invented: at most one re-read per channel per answer, however many messages ask. A
   * server that answers long-polls at once with nothing gets at most one a second
   * (`MIN_IDLE_POLL_GAP_MS`). `withHeartbeat` also keeps us present (and leaves once at the end).
   *
   * @example
   * ```ts
   * presence.events$({ channels: ['lobby'] }).subscribe((e) => {
   *   if (e.action === 'timeout') console.log(`${e.uuid} dropped off without saying goodbye`);
   * });
   * ```
   */
  events$(options: EventsOptions = {}): Observable<PresenceEvent> {
    return events$(this.context, options);
  }
}
