import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalQuery, type Query } from '../protocol/encoding';
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
  /** When given, a valid signature is accepted once: a second use within the window is refused. */
  readonly replays?: ReplayGuard;
}

/** How many accepted signatures are remembered at most; the oldest are forgotten first beyond it. */
export const MAX_REMEMBERED_SIGNATURES = 100_000;

/**
 * The signatures accepted recently, so that a replayed request is refused. A signature is only
 * useful to an attacker while its `timestamp` is within the window; since it was within the window
 * when accepted, it is remembered for twice the window plus a second, then forgotten. Entries are
 * added in clock order, so forgetting only looks at the oldest ones. At most `capacity` are kept
 * (the oldest are dropped first), so a flood of signed requests cannot grow memory without bound.
 *
 * @example
 * ```ts
 * const guard = new ReplayGuard();
 * guard.admit('v2.abc', Date.now(), 60); // true: first use
 * guard.admit('v2.abc', Date.now(), 60); // false: a replay
 * ```
 */
export class ReplayGuard {
  /** signature → when it may be forgotten (ms on the emulator clock), oldest first. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly capacity = MAX_REMEMBERED_SIGNATURES) {}

  /** Signatures remembered now. */
  get size(): number {
    return this.seen.size;
  }

  /** Records `signature` and returns `true` on its first use within the window; `false` for a replay. */
  admit(signature: string, nowMs: number, windowSeconds: number): boolean {
    this.forget(nowMs);
    const until = this.seen.get(signature);
    if (until !== undefined && until > nowMs) return false;
    if (until !== undefined) this.seen.delete(signature);
    if (this.seen.size >= this.capacity) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(signature, nowMs + (2 * windowSeconds + 1) * 1000);
    return true;
  }

  private forget(nowMs: number): void {
    for (const [signature, until] of this.seen) {
      if (until > nowMs) break;
      this.seen.delete(signature);
    }
  }
}

/**
 * The v2 signature the service expects, computed with `node:crypto`. Deliberately not the
 * client's Web Crypto `signV2`: two independent implementations checked against each other (and
 * against the official SDK) cannot share a bug that lets a wrong signature through.
 *
 * @example
 * ```ts
 * expectedSignature('mySecretKey', 'myPublishKey', '/v2/auth/audit/sub-key/mySubscribeKey',
 *   { channel: 'ch1', pnsdk: 'PubNub-JS-Nodejs/suchJavascript', timestamp: '1317427200', uuid: 'myUUID' });
 * // 'v2.I7AFqanrAAtwVfvLHyKECTWw7UcZmwbRnwENpXdGB9E'
 * ```
 */
export function expectedSignature(secretKey: string, publishKey: string | undefined, rawPath: string, query: Query): string {
  const text = `GET\n${publishKey}\n${rawPath}\n${canonicalQuery(query)}\n`;
  return `v2.${createHmac('sha256', secretKey).update(text).digest('base64url')}`;
}

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/**
 * Verifies a v2 request signature the way the service does: every parameter but `signature`,
 * decoded and re-encoded with PubNub's encoder by {@link expectedSignature}, over the path as sent. So a
 * client that encodes spaces as `+` or leaves commas raw still verifies, as long as it signed the
 * canonical form.
 *
 * @returns `undefined` when the request may proceed, else the Access Manager 403 to send:
 *   `Forbidden` for a missing signature or a missing, stale or future `timestamp`, `Invalid
 *   Signature` for a wrong one, `Signature Already Used` for a replay (with `replays`).
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
  const expected = expectedSignature(check.secretKey, check.publishKey, check.rawPath, query.signed());
  if (!sameText(signature, expected)) return replies.invalidSignature();
  if (check.replays && !check.replays.admit(signature, check.nowMs, check.windowSeconds)) return replies.signatureReused();
  return undefined;
}
