/** `GET /v2/presence/sub-key/{sub}/uuid/{uuid}`: the channels a uuid is present on. */
import type { RequestQuery } from '../pipeline/query';
import { replies, type Reply } from '../pipeline/responses';
import type { WhereNowRoute } from '../pipeline/router';
import { checkUuid, type EndpointContext } from './helpers';

/**
 * Where now of the uuid in the path (the caller's own `uuid` must be given too).
 *
 * @example
 * ```ts
 * whereNow({ operation: 'whereNow', subscribeKey: 'demo', uuid: 'alice' }, RequestQuery.parse('uuid=me'), ctx);
 * // '{"status": 200, "message": "OK", "payload": {"channels": ["lobby"]}, "service": "Presence"}'
 * ```
 */
export function whereNow(route: WhereNowRoute, query: RequestQuery, ctx: EndpointContext): Reply {
  checkUuid(query.get('uuid'));
  return replies.whereNow(ctx.keyspaces.read(route.subscribeKey).presence.whereNow(checkUuid(route.uuid)));
}
