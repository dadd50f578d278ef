import { timingSafeEqual } from 'node:crypto';
import { signV2 } from '../transport/signature';
import type { RequestQuery } from './query';
import { replies, type Reply } from './responses';

/**
 * What a signed request is checked against.
 *
 * @example
 * ```ts
 * const check: SignatureCheck = {
 *   secretKey: 'sec', publishKey: 'pub', rawPath: '/v2/presence/sub-key/demo/channel/a%20b/heartbeat',
 *   query: RequestQuery.parse('uuid=me&timestamp=1900000000&signature=v2.abc'),
 *   nowMs: 1_900_000_000_000, windowSeconds: 60, channels: ['a b'], groups: [],
 * };
 * ```
 */
export interface SignatureCheck {
  readonly secretKey: string;
  readonly publishKey: string | undefined;
  /** The path exactly as received (still percent-encoded): what the client signed. */
  readonly rawPath: string;
  readonly query: RequestQuery;
  readonly nowMs: number;
  readonly windowSeconds: number;
  /** Named in the 403 body, as Access Manager denials do. */
  readonly channels: readonly string[];
  readonly groups: readonly string[];
}

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/**
 * Verifies a v2 request signature the way the service does: every parameter but `signature`,
 * decoded and re-encoded with PubNub's encoder by {@link signV2}, over the path as sent. So a
 * client that encodes spaces as `+` or leaves commas raw still verifies, as long as it signed the
 * canonical form.
 *
 * @returns `undefined` when the request may proceed, else the Access Manager 403 to send:
 *   `Forbidden` for a missing signature or a missing or stale `timestamp`, `Invalid Signature` for
 *   a wrong one.
 *
 * @example
 * ```ts
 * const denied = checkSignature({
 *   secretKey: 'sec', publishKey: 'pub', rawPath: '/time/0', query: RequestQuery.parse('uuid=me'),
 *   nowMs: Date.now(), windowSeconds: 60, channels: [], groups: [],
 * });
 * denied?.status; // 403: no timestamp, no signature
 * ```
 */
export function checkSignature(check: SignatureCheck): Reply | undefined {
  const { query } = check;
  const signature = query.get('signature');
  const timestamp = query.get('timestamp');
  const seconds = timestamp !== undefined && /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : undefined;
  if (
    signature === undefined ||
    seconds === undefined ||
    Math.abs(Math.floor(check.nowMs / 1000) - seconds) > check.windowSeconds
  ) {
    return replies.forbidden(check.channels, check.groups);
  }
  const expected = signV2({
    secretKey: check.secretKey,
    publishKey: check.publishKey,
    method: 'GET',
    path: check.rawPath,
    query: query.signed(),
  });
  return sameText(signature, expected) ? undefined : replies.invalidSignature();
}
