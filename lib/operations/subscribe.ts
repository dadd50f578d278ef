import type { Observable } from 'rxjs';
import { SubscribeBody } from '../codecs/subscribe';
import type { Keyset } from '../keyset';
import { groupQuery, paths } from '../protocol/paths';
import type { PresenceState } from '../types';
import { callOperation, type OperationContext, type RequestTuning } from './context';

/** One subscribe request: already validated names (presence channels end in `-pnpres`). */
interface SubscribeRequest {
  readonly keyset: Keyset;
  readonly channels: readonly string[];
  readonly channelGroups: readonly string[];
  /** `'0'` for the handshake, else the last timetoken received. */
  readonly timetoken: string;
  readonly region?: number;
  /** Presence timeout for the plain channels (implicit heartbeat). */
  readonly heartbeat?: number;
  /** State per plain channel or group, kept by the service while present. */
  readonly state?: Readonly<Record<string, PresenceState>>;
}

/**
 * One subscribe long-poll: the handshake (`tt=0`) answers at once with the current timetoken;
 * later polls are held by the service until something arrives or its long-poll timeout passes.
 * Cold; emits once. Used by `events$`, which loops it.
 */
export function subscribeOnce(context: OperationContext, request: SubscribeRequest, tuning: RequestTuning = {}): Observable<SubscribeBody> {
  const operation = 'subscribe';
  return callOperation(
    context,
    operation,
    { keyset: request.keyset },
    (keys) => {
      const query: Record<string, string> = { tt: request.timetoken, ...groupQuery(request.channelGroups) };
      if (request.region !== undefined && request.timetoken !== '0') query.tr = String(request.region);
      if (request.heartbeat !== undefined) query.heartbeat = String(request.heartbeat);
      if (request.state !== undefined) query.state = JSON.stringify(request.state);
      return { query, path: paths.subscribe(keys.subscribeKey, request.channels), ...tuning };
    },
    SubscribeBody,
    (body) => body,
  );
}
