/**
 * Timing options of the long-lived streams are checked like every other option (issue 13, defect
 * 13): a 1 ms heartbeat interval, a NaN or negative retry delay, a zero leave timeout would
 * otherwise flood the service or repeat the leave.
 */
import { TestScheduler } from 'rxjs/testing';
import { events$ } from '../../lib/streams/events-stream';
import { heartbeat$, MIN_HEARTBEAT_INTERVAL } from '../../lib/streams/heartbeat-stream';
import { bodies, fakeContext } from '../helpers/fake-transport';

let ts: TestScheduler;
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const refused = (pattern: RegExp) => expect.objectContaining({ category: 'validation', message: expect.stringMatching(pattern) });

describe('heartbeat$ timing options', () => {
  it('has a minimum interval of half a second', () => {
    expect(MIN_HEARTBEAT_INTERVAL).toBe(0.5);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['interval 0.001', { interval: 0.001 }, /interval must be from 0\.5 s to less than heartbeat \(30 s\), got 0\.001/],
    ['interval 0', { interval: 0 }, /interval must be from 0\.5 s/],
    ['interval NaN', { interval: NaN }, /interval must be from 0\.5 s/],
    ['interval Infinity', { interval: Infinity }, /interval must be from 0\.5 s/],
    ['retryDelay NaN', { retryDelay: NaN }, /retryDelay must be a number of seconds from 0\.1 to 320, got NaN/],
    ['retryDelay -1', { retryDelay: -1 }, /retryDelay must be a number of seconds from 0\.1 to 320, got -1/],
    ['retryDelay 0', { retryDelay: 0 }, /retryDelay must be/],
    ['retryDelay "1"', { retryDelay: '1' }, /retryDelay must be/],
    ['leaveTimeout 0', { leaveTimeout: 0 }, /leaveTimeout must be a number of seconds from 0\.1 to 60, got 0/],
    ['leaveTimeout -5', { leaveTimeout: -5 }, /leaveTimeout must be a number of seconds from 0\.1 to 60, got -5/],
    ['leaveTimeout NaN', { leaveTimeout: NaN }, /leaveTimeout must be/],
    ['leaveTimeout Infinity', { leaveTimeout: Infinity }, /leaveTimeout must be/],
  ])('%s is a validation error naming the allowed range, before any request', (_name, extra, message) => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({ heartbeat: () => cold('-a|', { a: bodies.heartbeat }), leave: () => cold('-a|', { a: bodies.leave }) });
      // Unsubscribed after 10 ms, so that an option wrongly accepted shows as beats, not a hang.
      expectObservable(heartbeat$(fake.context, { channels: ['lobby'], heartbeat: 30, ...extra }), '^ 10ms !').toBe('#', undefined, refused(message));
      ts.flush();
      expect(fake.requests).toHaveLength(0);
    });
  });

  it('the shortest presence timeouts still get a valid default interval', () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({ heartbeat: () => cold('a|', { a: bodies.heartbeat }), leave: () => cold('a|', { a: bodies.leave }) });
      const one = heartbeat$(fake.context, { channels: ['one'], heartbeat: 1 }).subscribe();
      ts.schedule(() => one.unsubscribe(), 1200);
      ts.flush();
      expect(fake.of('heartbeat').map((r) => r.at)).toEqual([0, 500, 1000]);
    });
  });

  it('the edges of each range are accepted', () => {
    ts.run(({ cold }) => {
      const fake = fakeContext({ heartbeat: () => cold('a|', { a: bodies.heartbeat }), leave: () => cold('a|', { a: bodies.leave }) });
      const sub = heartbeat$(fake.context, { channels: ['lobby'], heartbeat: 3, interval: 0.5, retryDelay: 0.1, leaveTimeout: 60 }).subscribe();
      const other = heartbeat$(fake.context, { channels: ['other'], heartbeat: 30, interval: 29.9, retryDelay: 320, leaveTimeout: 0.1 }).subscribe();
      ts.schedule(() => (sub.unsubscribe(), other.unsubscribe()), 900);
      ts.flush();
      expect(fake.of('heartbeat').map((r) => r.at)).toEqual([0, 0, 500]);
    });
  });
});

describe('events$ timing options', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['reconnectDelay NaN', { reconnectDelay: NaN }, /reconnectDelay must be a number of seconds from 0\.1 to 300, got NaN/],
    ['reconnectDelay 0', { reconnectDelay: 0 }, /reconnectDelay must be/],
    ['longPollTimeout 0', { longPollTimeout: 0 }, /longPollTimeout must be a number of seconds from 1 to 3600, got 0/],
    ['longPollTimeout -1', { longPollTimeout: -1 }, /longPollTimeout must be/],
  ])('%s is a validation error naming the allowed range, before any request', (_name, extra, message) => {
    ts.run(({ cold, expectObservable }) => {
      const fake = fakeContext({ subscribe: () => cold('-') });
      expectObservable(events$(fake.context, { channels: ['lobby'], ...extra }), '^ 10ms !').toBe('#', undefined, refused(message));
      ts.flush();
      expect(fake.requests).toHaveLength(0);
    });
  });
});
