/**
 * Readers of the keys under which a client keeps its shared loops (`context.loops`): the keysets'
 * local part and the part another tab can use. The formats are the streams' own
 * (`heartbeat-stream.ts`, `here-now-stream.ts`); `spec/streams/tab-loop-keys.spec.ts` reads keys
 * the streams made, so a change of format fails there, not in a browser.
 */
import type { HereNowStreamOptions } from '../streams/here-now-stream';
import type { HeartbeatStreamOptions } from '../streams/heartbeat-stream';

/**
 * Which registry of `context.loops` a loop is in.
 *
 * @example
 * ```ts
 * const kind: LoopKind = 'polls';
 * ```
 */
export type LoopKind = 'heartbeats' | 'polls';

/**
 * A loop key split into the keyset's local number and the rest, which means the same in every tab.
 *
 * @example
 * ```ts
 * const key: LoopKey = { keysetId: 0, shared: '300|149|1|5' };
 * ```
 */
export interface LoopKey {
  readonly keysetId: number;
  /** The key without the keyset: the same for the same options in any tab. */
  readonly shared: string;
}

/** `${keysetId}|${heartbeat}|${interval}|${retryDelay}|${leaveTimeout}` */
const HEARTBEAT_KEY = /^(\d+)\|(.*)$/;

/**
 * Splits a key of `context.loops.heartbeats` or `context.loops.polls`.
 *
 * @example
 * ```ts
 * readLoopKey('heartbeats', '0|300|149|1|5');
 * // { keysetId: 0, shared: '300|149|1|5' }
 * ```
 */
export function readLoopKey(kind: LoopKind, key: string): LoopKey | undefined {
  if (kind === 'heartbeats') {
    const match = HEARTBEAT_KEY.exec(key);
    return match === null ? undefined : { keysetId: Number(match[1]), shared: match[2] };
  }
  // JSON: [keysetId, stateInfo, interval] (a union poll) or [keysetId, channels, groups, stateInfo, interval].
  const [keysetId, ...rest] = JSON.parse(key) as [number, ...unknown[]];
  return { keysetId, shared: JSON.stringify(rest) };
}

/**
 * The `heartbeat$` options behind a shared heartbeat key (without channels, groups and state).
 *
 * @example
 * ```ts
 * heartbeatOptions('300|149|1|5');
 * // { heartbeat: 300, interval: 149, retryDelay: 1, leaveTimeout: 5 }
 * ```
 */
export function heartbeatOptions(shared: string): Pick<HeartbeatStreamOptions, 'heartbeat' | 'interval' | 'retryDelay' | 'leaveTimeout'> {
  const [heartbeat, interval, retryDelay, leaveTimeout] = shared.split('|').map(Number);
  return { heartbeat, interval, retryDelay, leaveTimeout };
}

/**
 * The `hereNow$` options behind a shared poll key: a union poll's (its channels are the claim's) or
 * an exact one's (its channels and groups are in the key).
 *
 * @example
 * ```ts
 * pollOptions('["uuids",10]');
 * // { union: true, stateInfo: 'uuids', interval: 10 }
 * ```
 */
export function pollOptions(shared: string): Pick<HereNowStreamOptions, 'stateInfo' | 'interval' | 'channels' | 'channelGroups'> & { readonly union: boolean } {
  const rest = JSON.parse(shared) as unknown[];
  if (rest.length === 2) {
    const [stateInfo, interval] = rest as [HereNowStreamOptions['stateInfo'], number];
    return { union: true, stateInfo, interval };
  }
  const [channels, channelGroups, stateInfo, interval] = rest as [string[], string[], HereNowStreamOptions['stateInfo'], number];
  return { union: false, channels, channelGroups, stateInfo, interval };
}
