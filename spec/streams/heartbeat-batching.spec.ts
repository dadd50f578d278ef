/**
 * The shared heartbeat loop must never make a valid subscription fail by merging it with others
 * (issue 13, defect 11): the union is split into requests within the service's limits (channels
 * per request, URL length, state size), and leaves go out in batches too. The fake transport
 * answers as the service does: a request over a limit is refused.
 */
import { config, of, throwError, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { PresenceError } from '../../lib/errors';
import type { PresenceRequest } from '../../lib/transport/types';
import { canonicalQuery } from '../../lib/protocol/encoding';
import { heartbeat$ } from '../../lib/streams/heartbeat-stream';
import { hereNow$ } from '../../lib/streams/here-now-stream';
import { requestBatches } from '../../lib/streams/request-batches';
import { MAX_CHANNELS_PER_REQUEST, MAX_REQUEST_URI_BYTES, MAX_STATE_BYTES } from '../../lib/protocol/limits';
import { bodies, fakeContext } from '../helpers/fake-transport';

let ts: TestScheduler;
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

/** How many channels plus groups a request names. */
function namesIn(request: PresenceRequest): number {
  const segment = /\/channel\/([^/]*)/.exec(request.path)?.[1] ?? ',';
  const channels = segment === ',' ? 0 : segment.split(',').length;
  const groups = request.query['channel-group'] ? request.query['channel-group'].split(',').length : 0;
  return channels + groups;
}

/** The service's answer to a request: refused when over a limit, else `body` after one frame. */
function strict(cold: (marbles: string, values?: Record<string, unknown>) => Observable<unknown>, body: unknown) {
  return (request: PresenceRequest): Observable<unknown> => {
    const operation = request.operation;
    // uuid, pnsdk, auth and signature come on top: the client must leave room for them.
    const uri = `${request.path}?${canonicalQuery({ ...request.query, uuid: 'me', pnsdk: 'rx-presence/0.1.0' })}`;
    if (uri.length > MAX_REQUEST_URI_BYTES - 512) return throwError(() => new PresenceError('bad-request', `${operation} failed: 414 Request URI Too Long`, { operation, statusCode: 414 }));
    if (namesIn(request) > MAX_CHANNELS_PER_REQUEST) return throwError(() => new PresenceError('bad-request', `${operation} failed: 400 Too many channels`, { operation, statusCode: 400 }));
    if (request.query.state !== undefined && Buffer.byteLength(request.query.state) > MAX_STATE_BYTES) {
      return throwError(() => new PresenceError('bad-request', `${operation} failed: 400 State too large.`, { operation, statusCode: 400 }));
    }
    return cold('-(a|)', { a: body });
  };
}

const names = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
const sorted = (list: readonly string[]) => [...list].sort();

describe('heartbeat$ shares one loop without ever breaking a subscription', () => {
  it('300 channels and 201 more: two requests within 500 channels each, and batched leaves', () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({ heartbeat: strict(cold, bodies.heartbeat), leave: strict(cold, bodies.leave) });
      const a = names('a', 300);
      const b = names('b', 201);
      const events: string[] = [];
      const failures: unknown[] = [];
      const options = { heartbeat: 30, interval: 10 };
      const subA = heartbeat$(fake.context, { ...options, channels: a }).subscribe({ next: (e) => events.push(`A ${e.type}`), error: (e: unknown) => failures.push(e) });
      let subB = subA;
      ts.schedule(() => (subB = heartbeat$(fake.context, { ...options, channels: b }).subscribe({ next: (e) => events.push(`B ${e.type}`), error: (e: unknown) => failures.push(e) })), 2000);
      ts.schedule(() => subA.unsubscribe(), 15_000);
      ts.schedule(() => subB.unsubscribe(), 16_000);
      ts.flush();
      expect(failures).toEqual([]);
      const beats = fake.of('heartbeat');
      for (const beat of beats) expect(beat.channels.length).toBeLessThanOrEqual(MAX_CHANNELS_PER_REQUEST);
      // At 2 s and at 12 s the union of 501 channels goes out in two requests.
      for (const at of [2000, 12_000]) {
        const together = beats.filter((r) => r.at === at);
        expect(together).toHaveLength(2);
        expect(sorted(together.flatMap((r) => r.channels))).toEqual(sorted([...a, ...b]));
      }
      expect(events.filter((e) => e.startsWith('B'))).toEqual(['B ok', 'B ok']);
      // A's channels left at 15 s; B's at 16 s; every batch within the limit.
      const leaves = fake.of('leave');
      for (const leave of leaves) expect(leave.channels.length).toBeLessThanOrEqual(MAX_CHANNELS_PER_REQUEST);
      expect(sorted(leaves.flatMap((r) => r.channels))).toEqual(sorted([...a, ...b]));
    });
  });

  it('two subscriptions with a 20 KB state each: valid alone, and still valid together', () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({ heartbeat: strict(cold, bodies.heartbeat), leave: strict(cold, bodies.leave) });
      const big = (tag: string) => ({ blob: tag.repeat(20_000) });
      const failures: unknown[] = [];
      const one = heartbeat$(fake.context, { heartbeat: 30, interval: 10, channels: ['one'], state: { one: big('x') } }).subscribe({ error: (e: unknown) => failures.push(e) });
      const two = heartbeat$(fake.context, { heartbeat: 30, interval: 10, channels: ['two'], state: { two: big('y') } }).subscribe({ error: (e: unknown) => failures.push(e) });
      ts.schedule(() => (one.unsubscribe(), two.unsubscribe()), 15_000);
      ts.flush();
      expect(failures).toEqual([]);
      const beats = fake.of('heartbeat');
      for (const beat of beats) expect(Buffer.byteLength(beat.query.state ?? '')).toBeLessThanOrEqual(MAX_STATE_BYTES);
      // Each state rides with its own channel.
      for (const beat of beats) {
        const state = JSON.parse(beat.query.state ?? '{}') as Record<string, unknown>;
        expect(Object.keys(state)).toEqual(beat.channels);
      }
      expect(beats.filter((b) => b.at === 10_000)).toHaveLength(2);
    });
  });

  it('long encoded names: split by URL length well before 500 channels', () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({ heartbeat: strict(cold, bodies.heartbeat), leave: strict(cold, bodies.leave) });
      // 92 characters, 89 of them 6 bytes percent-encoded: 537 bytes a name, 50 of them fit a URL.
      const wide = Array.from({ length: 100 }, (_, i) => `${'é'.repeat(89)}${String(i).padStart(3, '0')}`);
      const failures: unknown[] = [];
      const subs = [wide.slice(0, 50), wide.slice(50)].map((channels) => heartbeat$(fake.context, { heartbeat: 30, interval: 10, channels }).subscribe({ error: (e: unknown) => failures.push(e) }));
      ts.schedule(() => subs.forEach((s) => s.unsubscribe()), 5000);
      ts.flush();
      expect(failures).toEqual([]);
      expect(sorted(fake.of('heartbeat').filter((r) => r.at === 0).flatMap((r) => r.channels))).toEqual(sorted(wide));
      expect(sorted(fake.of('leave').flatMap((r) => r.channels))).toEqual(sorted(wide));
    });
  });

  it('a single subscription beyond the limits is split as well', () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({ heartbeat: strict(cold, bodies.heartbeat), leave: strict(cold, bodies.leave) });
      const channels = names('c', 1200);
      const groups = names('g', 30);
      const events: string[] = [];
      const sub = heartbeat$(fake.context, { heartbeat: 30, interval: 10, channels, channelGroups: groups }).subscribe({ next: (e) => events.push(e.type), error: () => events.push('error') });
      ts.schedule(() => sub.unsubscribe(), 5000);
      ts.flush();
      expect(events).toEqual(['ok']);
      const first = fake.of('heartbeat');
      expect(first.length).toBe(3);
      expect(sorted(first.flatMap((r) => r.channels))).toEqual(sorted(channels));
      expect(sorted(first.flatMap((r) => (r.query['channel-group'] ?? '').split(',').filter(Boolean)))).toEqual(sorted(groups));
    });
  });
});

describe('requestBatches', () => {
  it('packs in order, and a name over a limit on its own goes alone', () => {
    const limits = { names: 3, uriBytes: 100, stateBytes: 40 };
    expect(requestBatches(['a', 'b', 'c', 'd'], ['g'], { b: { n: 1 }, d: { big: 'x'.repeat(60) } }, limits)).toEqual([
      { channels: ['a', 'b', 'c'], channelGroups: [], state: { b: { n: 1 } } },
      { channels: ['d'], channelGroups: [], state: { d: { big: 'x'.repeat(60) } } },
      { channels: [], channelGroups: ['g'] },
    ]);
    expect(requestBatches([], [], undefined)).toEqual([]);
  });

  it('keeps a channel called __proto__ and its state', () => {
    const [batch] = requestBatches(['__proto__'], [], JSON.parse('{"__proto__":{"mood":"ok"}}') as Record<string, Record<string, unknown>>);
    expect(JSON.stringify(batch.state)).toBe('{"__proto__":{"mood":"ok"}}');
  });
});

describe('the leave', () => {
  it('a leave failing at once (no answer possible) settles, without a ReferenceError', async () => {
    const unhandled: unknown[] = [];
    config.onUnhandledError = (error) => unhandled.push(error);
    try {
      const fake = fakeContext({ heartbeat: () => of(bodies.heartbeat), leave: () => throwError(() => new PresenceError('bad-request', 'leave failed: 400', { operation: 'leave', statusCode: 400 })) });
      const subscription = heartbeat$(fake.context, { channels: ['lobby'], heartbeat: 30, interval: 10 }).subscribe();
      subscription.unsubscribe();
      const { endHeartbeats } = await import('../../lib/streams/end-heartbeats');
      await endHeartbeats(fake.context, 1000);
      expect(fake.of('leave')).toHaveLength(1);
      // rxjs reports an error thrown by a callback on a timer of its own.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      config.onUnhandledError = null;
    }
  });
});

describe('hereNow$ shares one poll without ever breaking a subscription', () => {
  it('300 channels and 201 more are polled in requests of at most 500 channels', () => {
    ts.run(({ cold }) => {
      const answer = (request: PresenceRequest) => {
        const segment = /\/channel\/([^/?]*)/.exec(request.path)?.[1] ?? '';
        const names = segment.split(',');
        // One channel gets the flat shape, as from the service.
        if (names.length === 1) return of({ status: 200, message: 'OK', service: 'Presence', occupancy: 1, uuids: ['u'] });
        const channels = Object.fromEntries(names.map((c) => [decodeURIComponent(c), { occupancy: 1, uuids: ['u'] }]));
        return of({ status: 200, payload: { channels, total_channels: Object.keys(channels).length, total_occupancy: Object.keys(channels).length } });
      };
      const fake = fakeContext({ hereNow: (request) => (namesIn(request) > MAX_CHANNELS_PER_REQUEST ? strict(cold, {})(request) : answer(request)) });
      const failures: unknown[] = [];
      const seen: number[] = [];
      const a = hereNow$(fake.context, { channels: names('a', 300), interval: 10 }).subscribe({ error: (e: unknown) => failures.push(e) });
      const b = hereNow$(fake.context, { channels: names('b', 201), interval: 10 }).subscribe({ next: (r) => seen.push(r.totalOccupancy), error: (e: unknown) => failures.push(e) });
      ts.schedule(() => (a.unsubscribe(), b.unsubscribe()), 15_000);
      ts.flush();
      expect(failures).toEqual([]);
      expect(seen).toEqual([201, 201]);
      for (const request of fake.of('hereNow')) expect(request.channels.length).toBeLessThanOrEqual(MAX_CHANNELS_PER_REQUEST);
    });
  });
});
