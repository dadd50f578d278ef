import { retry } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { PresenceError } from '../../lib/errors';
import { canonicalQuery, encodeNames, encodeString } from '../../lib/protocol/encoding';
import { redactUrl } from '../../lib/transport/fetch-transport';
import { parseRetryAfter } from '../../lib/transport/response';
import { backoffDelay, RETRY_DEFAULTS, retryConfig } from '../../lib/retry-policy';
import { signV2 } from '../../lib/transport/signature';

describe('encoding', () => {
  it.each([
    ['channel#1', 'channel%231'],
    ['channel@2', 'channel%402'],
    ['a b/c', 'a%20b%2Fc'],
    ["it's (ok)!*~", 'it%27s%20%28ok%29%21%2A%7E'],
    ['-_.', '-_.'],
    ['ünï 😀', '%C3%BCn%C3%AF%20%F0%9F%98%80'],
  ])('encodeString(%j) = %s', (input, expected) => {
    expect(encodeString(input)).toBe(expected);
  });

  it('joins names with a raw comma and marks "no channels" with a lone comma', () => {
    expect(encodeNames(['channel#1', 'channel@2'])).toBe('channel%231,channel%402');
    expect(encodeNames([])).toBe(',');
  });

  it('builds the canonical query: sorted keys, PubNub-encoded values', () => {
    expect(canonicalQuery({ uuid: 'me', state: '{"a":1}', 'channel-group': 'cg1,cg2' })).toBe(
      'channel-group=cg1%2Ccg2&state=%7B%22a%22%3A1%7D&uuid=me',
    );
  });

  it('redacts auth and signature', () => {
    expect(redactUrl('/p', { auth: 'secret', signature: 'v2.x', uuid: 'me' })).toBe('/p?auth=***&signature=***&uuid=me');
  });
});

describe('v2 signature', () => {
  it('matches the known vector from the official SDK tests', async () => {
    expect(
      await signV2({
        secretKey: 'mySecretKey',
        publishKey: 'myPublishKey',
        method: 'GET',
        path: '/v2/auth/audit/sub-key/mySubscribeKey',
        query: { channel: 'ch1', pnsdk: 'PubNub-JS-Nodejs/suchJavascript', timestamp: '1317427200', uuid: 'myUUID' },
      }),
    ).toBe('v2.I7AFqanrAAtwVfvLHyKECTWw7UcZmwbRnwENpXdGB9E');
  });
});

describe('retry policy', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });
  const options = { ...RETRY_DEFAULTS, attempts: 3, baseDelayMs: 10, maxDelayMs: 1000, jitter: false };
  const transient = new PresenceError('server-error', '503', { operation: 'hereNow', statusCode: 503 });
  const permanent = new PresenceError('bad-request', '400', { operation: 'hereNow', statusCode: 400 });
  const limited = new PresenceError('too-many-requests', '429', { operation: 'hereNow', statusCode: 429, retryAfter: 0.1 });

  it('backs off 10 ms, 20 ms, then gives up', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const failing = cold('-#', undefined, transient);
      expectObservable(failing.pipe(retry(retryConfig(options)))).toBe('33ms #', undefined, transient);
      expectSubscriptions(failing.subscriptions).toBe(['^!', '11ms ^!', '32ms ^!']);
    });
  });

  it('never retries a permanent failure', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const failing = cold('-#', undefined, permanent);
      expectObservable(failing.pipe(retry(retryConfig(options)))).toBe('-#', undefined, permanent);
      expectSubscriptions(failing.subscriptions).toBe('^!');
    });
  });

  it('waits what Retry-After says', () => {
    ts.run(({ cold, expectSubscriptions }) => {
      const failing = cold('-#', undefined, limited);
      failing.pipe(retry(retryConfig({ ...options, attempts: 2 }))).subscribe({ error: () => undefined });
      ts.flush();
      expectSubscriptions(failing.subscriptions).toBe(['^!', '101ms ^!']);
    });
  });

  it('caps and jitters delays', () => {
    expect(backoffDelay(20, options)).toBe(1000);
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(3, { ...options, jitter: true });
      expect(d).toBeGreaterThanOrEqual(20);
      expect(d).toBeLessThanOrEqual(40);
    }
  });

  it('reads Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('2')).toBe(2);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
