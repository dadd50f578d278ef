import * as t from 'io-ts';
import type { Observable } from 'rxjs';
import { GetStateMultiBody, GetStateSingleBody, SetStateBody } from '../codecs/bodies';
import type { KeysetChoice } from '../keyset';
import { paths } from '../protocol/paths';
import type { GetUserStateResult, PresenceState, SetUserStateResult } from '../types';
import { stateJson, userId } from '../validate';
import { callOnTargets, type OperationContext } from './context';

/**
 * Options of `presence.setState()`.
 *
 * @example
 * ```ts
 * const options: SetStateOptions = { channels: ['lobby'] };
 * ```
 */
export interface SetStateOptions extends KeysetChoice {
  /** Channels to set our state on; at least one channel or group is required. */
  readonly channels?: Iterable<string>;
  /** Channel groups to set our state on (on each of their channels). */
  readonly channelGroups?: Iterable<string>;
}

/**
 * Options of `presence.getState()`.
 *
 * @example
 * ```ts
 * const options: GetStateOptions = { channels: ['lobby'], uuid: 'alice' };
 * ```
 */
export interface GetStateOptions extends KeysetChoice {
  /** Channels to read the state on; at least one channel or group is required. */
  readonly channels?: Iterable<string>;
  /** Channel groups to read the state on (on each of their channels). */
  readonly channelGroups?: Iterable<string>;
  /** Whose state. Default: the keyset's own user id. */
  readonly uuid?: string;
}

/** Sets our state on channels and groups. Cold; emits once. See `Presence.setState`. */
export function setState(context: OperationContext, state: PresenceState, options: SetStateOptions = {}): Observable<SetUserStateResult> {
  const operation = 'setState';
  return callOnTargets(
    context,
    operation,
    options,
    (keys, target) => ({ query: { state: stateJson(operation, state) }, path: paths.setState(keys.subscribeKey, target.channels, keys.userId) }),
    SetStateBody,
    (body) => ({ state: body.payload }),
  );
}

const GetStateBody = t.union([GetStateMultiBody, GetStateSingleBody]);
type GetStateBody = t.TypeOf<typeof GetStateBody>;

/**
 * Reads either get-state shape. The service answers several channels with `payload.channels`;
 * some SDKs' mocks (and maybe older services) put the map in `payload` itself. `payload.channels`
 * is unwrapped only when `channels` is not itself a requested channel.
 */
function stateByChannel(body: GetStateBody, requested: readonly string[], single: boolean): Map<string, unknown> {
  if (single) {
    const channel = 'channel' in body && typeof body.channel === 'string' ? body.channel : requested[0];
    return new Map([[channel, body.payload]]);
  }
  const payload = body.payload as Record<string, unknown>;
  const nested = payload.channels;
  const wrapped = nested !== null && typeof nested === 'object' && !Array.isArray(nested) && !requested.includes('channels');
  return new Map(Object.entries(wrapped ? (nested as Record<string, unknown>) : payload));
}

/** Reads a user's state on channels and groups. Cold; emits once. See `Presence.getState`. */
export function getState(context: OperationContext, options: GetStateOptions = {}): Observable<GetUserStateResult> {
  const operation = 'getState';
  return callOnTargets(
    context,
    operation,
    options,
    (keys, target) => {
      const uuid = options.uuid === undefined ? keys.userId : userId(operation, options.uuid);
      const single = target.channels.length === 1 && target.channelGroups.length === 0;
      return { path: paths.getState(keys.subscribeKey, target.channels, uuid), meta: { single, channels: target.channels, uuid } };
    },
    GetStateBody,
    (body, { single, channels, uuid }): GetUserStateResult => {
      const byChannel = stateByChannel(body, channels, single);
      const owner = body.uuid ?? uuid;
      return {
        uuid: owner,
        stateByChannel: byChannel,
        stateByUUID: () => new Map([[owner, single ? byChannel.values().next().value : Object.fromEntries(byChannel)]]),
      };
    },
  );
}
