import * as t from 'io-ts';
import { concatMap, defer, EMPTY, expand, map, of, reduce, type Observable } from 'rxjs';
import { HereNowMultiBody, HereNowSingleBody, type OccupantEntry } from '../codecs/bodies';
import { validationError, type PresenceOperation } from '../errors';
import type { KeysetChoice } from '../keyset';
import { HERE_NOW_PAGE_LIMIT } from '../protocol/limits';
import { groupQuery, paths } from '../protocol/paths';
import type { RequestKeys } from '../transport/types';
import type { ChannelOccupancy, HereNowResult, OccupantInfo } from '../types';
import { integerIn, targets, type Targets } from '../validate';
import { presenceRequest, sendRequest, type OperationContext, type RequestTuning } from './context';

const OPERATION = 'hereNow';

/**
 * How much a here-now returns about each occupant, as in the Dart SDK.
 *
 * @example
 * ```ts
 * presence.hereNow({ channels: ['lobby'], stateInfo: StateInfo.all });
 * ```
 */
export const StateInfo = {
  /** Occupancy counts only, no uuids (`disable_uuids=1`). */
  none: 'none',
  /** Uuids without state (the default). */
  onlyUUIDs: 'onlyUUIDs',
  /** Uuids with their state (`state=1`). */
  all: 'all',
} as const;
/**
 * One of {@link StateInfo}'s values.
 *
 * @example
 * ```ts
 * import { StateInfo } from 'rx-presence';
 *
 * const detail: StateInfo = process.env.WITH_STATE ? StateInfo.all : StateInfo.onlyUUIDs;
 * ```
 */
export type StateInfo = (typeof StateInfo)[keyof typeof StateInfo];
const STATE_INFOS: readonly string[] = Object.values(StateInfo);

/** Checks a `stateInfo` option; the default is {@link StateInfo.onlyUUIDs}. */
export function checkStateInfo(operation: PresenceOperation, stateInfo: StateInfo = StateInfo.onlyUUIDs): StateInfo {
  if (!STATE_INFOS.includes(stateInfo)) throw validationError(operation, `stateInfo must be one of ${STATE_INFOS.join(', ')}, got ${String(stateInfo)}`);
  return stateInfo;
}

/**
 * Options of `presence.hereNow()`.
 *
 * @example
 * ```ts
 * const options: HereNowOptions = { channels: ['lobby'], stateInfo: StateInfo.all };
 * ```
 */
export interface HereNowOptions extends KeysetChoice {
  /** Channels to look at. With no channels and no groups, the whole keyset (global here now). */
  readonly channels?: Iterable<string>;
  /** Channel groups whose channels to look at. */
  readonly channelGroups?: Iterable<string>;
  /** Default {@link StateInfo.onlyUUIDs}. */
  readonly stateInfo?: StateInfo;
  /** Uuids per channel per page, 1 to 1000. Default 1000. */
  readonly limit?: number;
  /** Index of the first uuid to return in each channel. Default 0. */
  readonly offset?: number;
  /**
   * Fetch every further page (by `offset`) so that the result is complete. Default true; with
   * false, one page is returned and `count` still says how many there are. Paging is bounded:
   * it stops when a page brings nobody new, and at {@link MAX_PAGED_OCCUPANTS} per channel.
   */
  readonly fetchAllPages?: boolean;
}

type HereNowBody = HereNowSingleBody | HereNowMultiBody;

function toOccupants(entries: readonly OccupantEntry[] | undefined): Map<string, OccupantInfo> {
  const occupants = new Map<string, OccupantInfo>();
  if (entries === undefined) return occupants;
  for (const entry of entries) {
    if (typeof entry === 'string') occupants.set(entry, { uuid: entry });
    else occupants.set(entry.uuid, 'state' in entry ? { uuid: entry.uuid, state: entry.state } : { uuid: entry.uuid });
  }
  return occupants;
}

/** Maps either wire shape to the domain result. The flat shape names no channel: the request does. */
function toHereNowResult(body: HereNowBody, requestedChannel: string | undefined): HereNowResult {
  if ('payload' in body) {
    const channels = new Map<string, ChannelOccupancy>();
    for (const [channelName, entry] of Object.entries(body.payload.channels)) {
      channels.set(channelName, { channelName, count: entry.occupancy, uuids: toOccupants(entry.uuids) });
    }
    return { totalChannels: body.payload.total_channels, totalOccupancy: body.payload.total_occupancy, channels };
  }
  const channelName = requestedChannel ?? '';
  return {
    totalChannels: 1,
    totalOccupancy: body.occupancy,
    channels: new Map([[channelName, { channelName, count: body.occupancy, uuids: toOccupants(body.uuids) }]]),
  };
}

interface Page {
  readonly result: HereNowResult;
  readonly offset: number;
}

/**
 * The most occupants per channel `hereNow()` gathers by paging: 100 pages of the largest `limit`.
 * A server that keeps inventing occupants (or a channel beyond it) ends there, with `count` still
 * saying how many the service reported.
 *
 * @example
 * ```ts
 * import { MAX_PAGED_OCCUPANTS } from 'rx-presence';
 *
 * console.log(MAX_PAGED_OCCUPANTS);
 * // Output: 100000
 * ```
 */
export const MAX_PAGED_OCCUPANTS = 100_000;

/** Channels that filled their page and report occupants beyond it. */
function unfinished({ result, offset }: Page, limit: number): string[] {
  const more: string[] = [];
  for (const [name, channel] of result.channels) {
    if (channel.uuids.size >= limit && channel.count > offset + channel.uuids.size) more.push(name);
  }
  return more;
}

/**
 * Merges pages into one result in place, linear in the occupants: each page's uuids are added to
 * the channel's one growing map (a copy per page made long rosters quadratic).
 */
class PageMerger {
  readonly #channels = new Map<string, { count: number; uuids: Map<string, OccupantInfo> }>();
  #totals = { totalChannels: 0, totalOccupancy: 0 };

  /** Adds a page; returns how many uuids it brought that earlier pages had not, per channel. */
  add(page: HereNowResult): Map<string, number> {
    const added = new Map<string, number>();
    this.#totals = { totalChannels: page.totalChannels, totalOccupancy: page.totalOccupancy };
    for (const [name, next] of page.channels) {
      let merged = this.#channels.get(name);
      if (merged === undefined) this.#channels.set(name, (merged = { count: next.count, uuids: new Map() }));
      merged.count = next.count;
      const before = merged.uuids.size;
      for (const [uuid, occupant] of next.uuids) merged.uuids.set(uuid, occupant);
      added.set(name, merged.uuids.size - before);
    }
    return added;
  }

  result(): HereNowResult {
    const channels = new Map<string, ChannelOccupancy>();
    for (const [channelName, { count, uuids }] of this.#channels) channels.set(channelName, { channelName, count, uuids });
    return { ...this.#totals, channels };
  }
}

interface PreparedHereNow {
  readonly keys: RequestKeys;
  readonly target: Targets;
  readonly stateInfo: StateInfo;
  readonly limit: number;
  readonly offset: number;
  readonly fetchAllPages: boolean;
  readonly tuning: RequestTuning;
}

function prepareHereNow(context: OperationContext, options: HereNowOptions, tuning: RequestTuning): PreparedHereNow {
  const keys = context.keysets.resolve(options, OPERATION).toRequestKeys();
  return {
    keys,
    target: targets(OPERATION, options, false),
    stateInfo: checkStateInfo(OPERATION, options.stateInfo),
    tuning,
    limit: integerIn(OPERATION, 'limit', options.limit ?? HERE_NOW_PAGE_LIMIT, 1, HERE_NOW_PAGE_LIMIT),
    offset: integerIn(OPERATION, 'offset', options.offset ?? 0, 0),
    fetchAllPages: options.fetchAllPages ?? true,
  };
}

function hereNowPage(context: OperationContext, prepared: PreparedHereNow, offset: number): Observable<Page> {
  const { keys, target, stateInfo, limit, tuning } = prepared;
  const global = target.channels.length === 0 && target.channelGroups.length === 0;
  const single = target.channels.length === 1 && target.channelGroups.length === 0;
  const query = groupQuery(target.channelGroups);
  if (stateInfo === StateInfo.none) query.disable_uuids = '1';
  if (stateInfo === StateInfo.all) query.state = '1';
  query.limit = String(limit);
  if (offset > 0) query.offset = String(offset);
  const path = global ? paths.globalHereNow(keys.subscribeKey) : paths.hereNow(keys.subscribeKey, target.channels);
  const request = presenceRequest(OPERATION, keys, path, query, tuning);
  // Pick the shape from the request as the service does, so a bad body gets one clear report.
  const codec: t.Decoder<unknown, HereNowBody> = single ? HereNowSingleBody : HereNowMultiBody;
  // Called when the page is wanted (at subscribe time, or once the page before it is in), since
  // sendRequest asks the transport at once; `prepareHereNow` validated once for every page.
  return sendRequest(context, request, codec, (body) => ({
    offset,
    result: toHereNowResult(body, single ? target.channels[0] : undefined),
  }));
}

/**
 * Who is present: uuids (and optionally state) per channel, with counts. Cold; emits once.
 * Pages beyond the first (1,000 uuids per channel) are fetched by `offset` and merged, so the
 * result is complete unless `fetchAllPages: false`. Paging stops when a page brings no uuid not
 * seen before, after the pages the first one announced (plus one), and at
 * {@link MAX_PAGED_OCCUPANTS} per channel, whatever the server answers. See `Presence.hereNow`.
 *
 * @example
 * ```ts
 * import { firstValueFrom } from 'rxjs';
 * import { hereNow, Keyset, presenceContext } from 'rx-presence';
 *
 * const context = presenceContext({ defaultKeyset: new Keyset({ subscribeKey: 'demo', userId: 'me' }) });
 * const result = await firstValueFrom(hereNow(context, { channels: ['lobby'] }));
 * console.log(result.totalOccupancy);
 * ```
 */
export function hereNow(context: OperationContext, options: HereNowOptions = {}): Observable<HereNowResult> {
  return hereNowWith(context, options, {});
}

/** {@link hereNow} with the streams' knobs: they ask for one attempt per page and retry themselves. */
export function hereNowWith(context: OperationContext, options: HereNowOptions, tuning: RequestTuning): Observable<HereNowResult> {
  return defer(() => {
    const prepared = prepareHereNow(context, options, tuning);
    const { limit } = prepared;
    const morePages = prepared.fetchAllPages && prepared.stateInfo !== StateInfo.none;
    return hereNowPage(context, prepared, prepared.offset).pipe(
      // One page is the common case: only a full page makes it fetch and merge the rest.
      concatMap((first) => {
        if (!morePages || unfinished(first, limit).length === 0) return of(first.result);
        // Bounded three ways, so that no server can keep us paging: by what the first page
        // announced (plus one page for arrivals meanwhile), by MAX_PAGED_OCCUPANTS, and by a
        // page that brings nobody new to the channels still unfinished (offset ignored).
        let announced = 0;
        for (const channel of first.result.channels.values()) announced = Math.max(announced, channel.count - first.offset);
        const maxPages = Math.min(Math.ceil(announced / limit) + 1, Math.ceil(MAX_PAGED_OCCUPANTS / limit));
        const merger = new PageMerger();
        merger.add(first.result);
        let pages = 1;
        const next = (page: Page): Observable<Page> => {
          const open = unfinished(page, limit);
          if (open.length === 0 || pages >= maxPages) return EMPTY;
          pages += 1;
          return hereNowPage(context, prepared, page.offset + limit).pipe(
            concatMap((fetched) => {
              const added = merger.add(fetched.result);
              return open.some((name) => (added.get(name) ?? 0) > 0) ? of(fetched) : EMPTY;
            }),
          );
        };
        return of(first).pipe(
          expand(next),
          // Once the last page is in (`reduce` waits for it; `last` would cost a browser page 1 KB).
          reduce((pages) => pages + 1, 0),
          map(() => merger.result()),
        );
      }),
    );
  });
}
