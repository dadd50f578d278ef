import type { PresenceError } from '../errors';

/**
 * Fields every {@link HeartbeatEvent} carries, whatever its `type`.
 *
 * @example
 * ```ts
 * import type { HeartbeatEventBase } from 'rx-presence';
 *
 * const where = (e: HeartbeatEventBase) => [...e.channels, ...e.channelGroups].join(', ');
 * console.log(where({ channels: ['lobby'], channelGroups: ['cg1'], timestamp: 0 }));
 * // Output: lobby, cg1
 * ```
 */
export interface HeartbeatEventBase {
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
  | (HeartbeatEventBase & {
      /** The service answered: we are present. */
      readonly type: 'ok';
    })
  | (HeartbeatEventBase & {
      /** The heartbeat failed transiently and will be retried. */
      readonly type: 'failed';
      /** Why it failed: a `network`, `timeout`, `too-many-requests` or `server-error` error. */
      readonly error: PresenceError;
      /** 1 for the first failure in a row. */
      readonly attempt: number;
      /** Milliseconds until the retry: the retry delay doubled per failure, at most the interval. */
      readonly retryInMs: number;
    });
