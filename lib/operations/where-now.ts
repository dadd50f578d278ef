import type { Observable } from 'rxjs';
import { WhereNowBody } from '../codecs/bodies';
import type { KeysetChoice } from '../keyset';
import { paths } from '../protocol/paths';
import type { WhereNowResult } from '../types';
import { userId } from '../validate';
import { callOperation, type OperationContext } from './context';

/**
 * Options of `presence.whereNow()`.
 *
 * @example
 * ```ts
 * const options: WhereNowOptions = { uuid: 'alice' };
 * ```
 */
export interface WhereNowOptions extends KeysetChoice {
  /** Whose channels to list. Default: the keyset's own user id. */
  readonly uuid?: string;
}

/** The channels a user is present on. Cold; emits once. See `Presence.whereNow`. */
export function whereNow(context: OperationContext, options: WhereNowOptions = {}): Observable<WhereNowResult> {
  const operation = 'whereNow';
  return callOperation(
    context,
    operation,
    options,
    (keys) => {
      const uuid = options.uuid === undefined ? keys.userId : userId(operation, options.uuid);
      return { query: {}, path: paths.whereNow(keys.subscribeKey, uuid) };
    },
    WhereNowBody,
    (body) => ({ channels: body.payload.channels ?? [] }),
  );
}
