import type { PresenceError } from '../errors';

/** Fields every heartbeat event carries. */
interface HeartbeatEventBase {
  /** This subscription's channels (the request carried them, maybe with others'). */
  readonly channels: readonly string[];
  /** This subscription's channel groups. */
  readonly channelGroups: readonly string[];
  /** When the outcome was known (Unix milliseconds, virtual in marble tests). */
  readonly timestamp: number;
}

/**
 * What one heartbeat of `heartbeat$` did: `ok`, or `failed` with the error and when the next try
 * comes. A failure reported here is transient (network, timeout, 429, 5xx); a permanent one
 * (400, 403, validation) errors the stream instead.
 *
 * @example
 * ```ts
 * presence.heartbeat$({ channels: ['lobby'] }).subscribe((e) =>
 *   console.log(e.type === 'ok' ? 'present' : `retrying in ${e.retryInMs} ms: ${e.error.message}`),
 * );
 * ```
 */
export type HeartbeatEvent =
  | (HeartbeatEventBase & { readonly type: 'ok' })
  | (HeartbeatEventBase & {
      readonly type: 'failed';
      readonly error: PresenceError;
      /** 1 for the first failure in a row. */
      readonly attempt: number;
      readonly retryInMs: number;
    });
