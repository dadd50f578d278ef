/**
 * Access Manager, as it stands in front of the service: the subscribe key must be known (when
 * keysets are configured) and, on a keyset with a secret key, every request but `/time/0` must carry
 * a fresh, valid v2 signature, each accepted once. Checked before the service sees the request.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Query } from '../../protocol/encoding';
import { stringToSign } from '../../protocol/signing';
import type { EmulatorKeyset } from '../types';
import type { RequestQuery } from './query';
import { replies, type Reply } from './responses';
import type { Route } from './router';

/** How many accepted signatures are remembered at most; the oldest are forgotten first beyond it. */
const MAX_REMEMBERED_SIGNATURES = 100_000;

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
 * client's Web Crypto `signV2`: only the text signed (`stringToSign`, protocol knowledge) is
 * shared; the HMAC and its encoding are done here independently, and a spec checks both against
 * the official SDK's signer, so a bug in any one of them cannot let a wrong signature through.
 *
 * @example
 * ```ts
 * expectedSignature('mySecretKey', 'myPublishKey', '/v2/auth/audit/sub-key/mySubscribeKey',
 *   { channel: 'ch1', pnsdk: 'PubNub-JS-Nodejs/suchJavascript', timestamp: '1317427200', uuid: 'myUUID' });
 * // 'v2.I7AFqanrAAtwVfvLHyKECTWw7UcZmwbRnwENpXdGB9E'
 * ```
 */
export function expectedSignature(secretKey: string, publishKey: string | undefined, rawPath: string, query: Query): string {
  const text = stringToSign({ method: 'GET', publishKey, path: rawPath, query });
  return `v2.${createHmac('sha256', secretKey).update(text).digest('base64url')}`;
}

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/** What a v2 signature covers: every parameter but `signature`, as received (decoded). */
const signedParams = (query: RequestQuery): Query => {
  const signed = query.all();
  delete signed.signature;
  return signed;
};

/**
 * The subscribe-key and signature checks of one emulator.
 *
 * A signature is verified the way the service does: every parameter but `signature`, decoded and
 * re-encoded with PubNub's encoder, over the path as sent. So a client that encodes spaces as `+`
 * or leaves commas raw still verifies, as long as it signed the canonical form.
 *
 * @example
 * ```ts
 * const access = new Access([{ subscribeKey: 'demo', secretKey: 'sec' }], 60, true);
 * access.check(route, '/v2/presence/sub-key/demo/channel/a/heartbeat', query, Date.now());
 * // undefined when the request may proceed, else the Access Manager's 400 or 403
 * ```
 */
export class Access {
  private readonly keysets: ReadonlyMap<string, EmulatorKeyset> | undefined;
  private readonly replays: ReplayGuard | undefined;

  /**
   * @param keysets - The keysets accepted; `undefined` accepts any subscribe key, unsigned.
   * @param windowSeconds - How far a signed request's `timestamp` may be from the clock.
   * @param rejectReplays - Whether a signature is accepted only once within the window.
   */
  constructor(keysets: readonly EmulatorKeyset[] | undefined, private readonly windowSeconds: number, rejectReplays: boolean) {
    this.keysets = keysets && new Map(keysets.map((keyset) => [keyset.subscribeKey, keyset]));
    const signing = keysets?.some((keyset) => keyset.secretKey !== undefined) ?? false;
    this.replays = signing && rejectReplays ? new ReplayGuard() : undefined;
  }

  /**
   * `undefined` when the request may proceed, else the Access Manager's answer: 400 `Invalid
   * Subscribe Key` for an empty or unknown key; 403 `Forbidden` for a missing signature or a
   * missing, stale or future `timestamp`, `Invalid Signature` for a wrong one, `Signature Already
   * Used` for a replay.
   */
  check(route: Route, rawPath: string, query: RequestQuery, nowMs: number): Reply | undefined {
    if (route.operation === 'time') return undefined;
    if (route.subscribeKey === '') return replies.invalidSubscribeKey();
    if (!this.keysets) return undefined;
    const keyset = this.keysets.get(route.subscribeKey);
    if (!keyset) return replies.invalidSubscribeKey();
    if (keyset.secretKey === undefined) return undefined;
    const signature = query.get('signature');
    const timestamp = query.get('timestamp');
    const seconds = timestamp !== undefined && /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : undefined;
    if (signature === undefined || seconds === undefined || Math.abs(Math.floor(nowMs / 1000) - seconds) > this.windowSeconds) {
      // Named in the 403 body, as Access Manager denials do.
      return replies.forbidden('channels' in route ? route.channels : [], query.list('channel-group'));
    }
    if (!sameText(signature, expectedSignature(keyset.secretKey, keyset.publishKey, rawPath, signedParams(query)))) {
      return replies.invalidSignature();
    }
    if (this.replays && !this.replays.admit(signature, nowMs, this.windowSeconds)) return replies.signatureReused();
    return undefined;
  }
}
