/**
 * Random JSON values as a peer's state, through client → server → watchers (issue 13, must-show
 * 2): deep nesting, extreme numbers, sizes around the limit. Every watcher (here-now with state,
 * get-state, `presenceEvents$` with state, `events$`) gets the value exactly, or the value is
 * refused up front (a `validation` error from the client, a 400 from the emulator); nothing ever
 * errors with anything but a PresenceError, and the emulator never answers 5xx.
 *
 * Two paths:
 * - the pure path, 1,000 runs: the real client (encoding, fetch transport, size cap, decoding,
 *   `events$`, the diff under `presenceEvents$`) over an in-process server that keeps the state as
 *   the text it was sent and splices it into its answers, so the client side is exercised alone
 *   and fast;
 * - over real HTTP, 100 heavier runs against one shared emulator, with its own refusals (nesting
 *   deeper than 32 levels, numbers it cannot keep exactly, URIs over 32 KiB).
 */
import fc from 'fast-check';
import { firstValueFrom, of, take, toArray, type Observable, type Subscription } from 'rxjs';
import { startEmulator, type Emulator } from '../../lib/emulator';
import { isPresenceError } from '../../lib/errors';
import { Keyset } from '../../lib/keyset';
import { StateInfo } from '../../lib/operations/here-now';
import { Presence } from '../../lib/presence';
import { diffOccupancy } from '../../lib/streams/diff-occupancy';
import type { FetchLike } from '../../lib/transport/fetch-transport';
import type { PresenceEvent } from '../../lib/types';
import { randomKey, waitFor } from '../helpers/emulator';

// ---- the values ---------------------------------------------------------------------------------

/** `levels` of arrays or objects around `leaf`, built without recursion. */
function nested(levels: number, kind: 'array' | 'object', leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = kind === 'array' ? [value] : { k: value };
  return value;
}

const extremeNumber = fc.oneof(
  fc.constantFrom(-0, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e21, 1e-7, 0.1 + 0.2, 5e-324, Infinity, -Infinity, NaN),
  fc.double(),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
);
const deep = fc
  .record({ levels: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 40, max: 5000 })), kind: fc.constantFrom<'array' | 'object'>('array', 'object'), leaf: fc.oneof(fc.jsonValue({ maxDepth: 1 }), extremeNumber) })
  .map(({ levels, kind, leaf }) => nested(levels, kind, leaf));
/** Around the 32 KiB limit: some fit, some do not. */
const large = fc.integer({ min: 32_700, max: 32_800 }).map((n) => 'x'.repeat(n));
/** Any JSON value, and a few things JSON cannot write (a bigint is refused by the client). */
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 2, arbitrary: extremeNumber },
  { weight: 1, arbitrary: fc.array(extremeNumber, { maxLength: 5 }) },
  { weight: 3, arbitrary: deep },
  { weight: 1, arbitrary: large },
  { weight: 1, arbitrary: fc.bigInt() },
);

/**
 * JSON text of a parsed value, written with a stack of its own (an oracle independent of the
 * client, and safe at any depth), for exact comparisons.
 */
function jsonText(root: unknown): string {
  const out: string[] = [];
  const pending: unknown[] = [root];
  const CLOSE_ARRAY = Symbol('array');
  const CLOSE_OBJECT = Symbol('object');
  const COMMA = Symbol(',');
  while (pending.length > 0) {
    const item = pending.pop();
    if (item === CLOSE_ARRAY) out.push(']');
    else if (item === CLOSE_OBJECT) out.push('}');
    else if (item === COMMA) out.push(',');
    else if (typeof item === 'object' && item !== null && (item as { key?: unknown }).key !== undefined && (item as { marker?: unknown }).marker === jsonText) {
      out.push(`${JSON.stringify((item as { key: string }).key)}:`);
    } else if (Array.isArray(item)) {
      out.push('[');
      pending.push(CLOSE_ARRAY);
      for (let i = item.length - 1; i >= 0; i--) {
        pending.push(item[i]);
        if (i > 0) pending.push(COMMA);
      }
    } else if (typeof item === 'object' && item !== null) {
      out.push('{');
      pending.push(CLOSE_OBJECT);
      const entries = Object.entries(item);
      for (let i = entries.length - 1; i >= 0; i--) {
        pending.push(entries[i][1], { key: entries[i][0], marker: jsonText });
        if (i > 0) pending.push(COMMA);
      }
    } else out.push(JSON.stringify(item));
  }
  return out.join('');
}

/** The state text the client sends for `{ v: value }`, or undefined when JSON cannot write it. */
function sentText(v: unknown): string | undefined {
  try {
    return JSON.stringify({ v });
  } catch {
    return undefined;
  }
}

type Outcome = 'delivered' | 'refused';

/** Only a PresenceError may come out of any call or stream. */
function expectPresenceError(error: unknown): void {
  if (!isPresenceError(error)) throw new Error(`not a PresenceError: ${String(error)}`);
}

// ---- the pure path: the client against an in-process server ---------------------------------------

/**
 * A presence server reduced to one peer on `lobby`: it keeps the state exactly as the text it was
 * sent, and splices that text into here-now, get-state and the subscribe events, the way the
 * service writes stored JSON back.
 */
function textServer() {
  let stateText: string | undefined;
  const json = (text: string) => ({ status: 200, statusText: 'OK', headers: { get: (name: string) => (name.toLowerCase() === 'content-type' ? 'application/json' : null) }, text: async () => text });
  const fetch: FetchLike = (url, init) => {
    const { pathname, searchParams } = new URL(url);
    if (pathname.endsWith('/heartbeat')) {
      const sent = searchParams.get('state') ?? '';
      // The client writes `{"lobby":<state>}`: keep `<state>` as the text it is.
      stateText = sent.slice('{"lobby":'.length, -1);
      return Promise.resolve(json('{"status":200,"message":"OK","service":"Presence"}'));
    }
    if (pathname.startsWith('/v2/subscribe/')) {
      const tt = searchParams.get('tt');
      if (tt === '0') return Promise.resolve(json('{"t":{"t":"100","r":1},"m":[]}'));
      if (tt === '100') {
        const message = (action: string, data: string) => `{"a":"1","f":0,"p":{"t":"101","r":1},"k":"sub","c":"lobby-pnpres","b":"lobby-pnpres","d":{"action":"${action}","uuid":"peer","occupancy":${action === 'leave' ? 0 : 1},"timestamp":1${data}}}`;
        // A leave, a join with the state, and the same state again (compared, so yielding nothing).
        const messages = [message('leave', ''), message('join', `,"data":${stateText}`), message('state-change', `,"data":${stateText}`)];
        return Promise.resolve(json(`{"t":{"t":"101","r":1},"m":[${messages.join(',')}]}`));
      }
      // Held until the subscriber goes away.
      return new Promise((_resolve, reject) => init.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    }
    if (pathname.endsWith('/uuid/peer')) return Promise.resolve(json(`{"status":200,"message":"OK","service":"Presence","uuid":"peer","channel":"lobby","payload":${stateText}}`));
    if (pathname.endsWith('/channel/lobby')) return Promise.resolve(json(`{"status":200,"message":"OK","service":"Presence","occupancy":1,"uuids":[{"uuid":"peer","state":${stateText}}]}`));
    return Promise.resolve({ ...json('{"status":404,"error":1,"message":"Not found","service":"Presence"}'), status: 404, statusText: 'Not Found' });
  };
  return fetch;
}

/** Every watcher's view of the peer's state on `lobby`, as JSON text. */
async function watchersSee(watcher: Presence, withEvents: boolean): Promise<string[]> {
  const seen: string[] = [];
  const here = await firstValueFrom(watcher.hereNow({ channels: ['lobby'], stateInfo: StateInfo.all }));
  seen.push(jsonText(here.channels.get('lobby')?.uuids.get('peer')?.state));
  const state = await firstValueFrom(watcher.getState({ channels: ['lobby'], uuid: 'peer' }));
  seen.push(jsonText(state.stateByChannel.get('lobby')));
  // presenceEvents$ is hereNow$ and diffOccupancy: the diff of a first and a second snapshot, the
  // second compared state by state with the first (the stream itself runs over real HTTP below,
  // where its poll timer costs nothing next to the network).
  const again = await firstValueFrom(watcher.hereNow({ channels: ['lobby'], stateInfo: StateInfo.all }));
  const diffed = await firstValueFrom(of(here, again).pipe(diffOccupancy(), toArray()));
  expect(diffed.map((e) => e.action)).toEqual(['join']);
  seen.push(jsonText(diffed[0].state));
  if (withEvents) {
    // The snapshot's join, then the server's leave and join carrying the state as `data`.
    const events = await firstValueFrom(watcher.events$({ channels: ['lobby'] }).pipe(take(3), toArray()));
    expect(events.map((e) => e.action)).toEqual(['join', 'leave', 'join']);
    for (const e of events) seen.push(jsonText(e.state));
  }
  return seen;
}

describe('random states, client → server → watchers', () => {
  it('the pure path: delivered exactly or refused, never a non-PresenceError (1,000 runs)', async () => {
    const outcomes: Record<Outcome, number> = { delivered: 0, refused: 0 };
    const keyset = new Keyset({ subscribeKey: 'sub', userId: 'peer' });
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        const fetch = textServer();
        const peer = new Presence({ defaultKeyset: keyset, origin: 'http://in-process', fetch });
        const watcher = new Presence({ defaultKeyset: new Keyset({ subscribeKey: 'sub', userId: 'watcher' }), origin: 'http://in-process', fetch });
        const text = sentText(v);
        const announced = await firstValueFrom(peer.announceHeartbeat({ channels: ['lobby'], state: { lobby: { v } as Record<string, unknown> } })).then(
          () => true,
          (error: unknown) => {
            expectPresenceError(error);
            // Refused: too large, too deep to write, or not JSON (a bigint). Nothing else is.
            expect(error).toMatchObject({ category: 'validation', message: expect.stringMatching(/is not serialisable as JSON|bytes as JSON; the limit is 32768/) });
            if (/bytes as JSON/.test((error as Error).message)) expect(Buffer.byteLength(`{"lobby":${text ?? ''}}`)).toBeGreaterThan(32 * 1024);
            return false;
          },
        );
        if (!announced) {
          outcomes.refused++;
          return;
        }
        outcomes.delivered++;
        expect(text).toBeDefined();
        const seen = await watchersSee(watcher, true).catch((error: unknown) => {
          expectPresenceError(error);
          throw error;
        });
        for (const got of seen) expect(got === text ? 'exact' : `differs: ${got.slice(0, 80)}`).toBe('exact');
      }),
      { numRuns: 1000 },
    );
    // Both outcomes were exercised.
    expect(outcomes.delivered).toBeGreaterThan(500);
    expect(outcomes.refused).toBeGreaterThan(20);
  }, 120_000);
});

// ---- over real HTTP, against the emulator ----------------------------------------------------------

describe('random states over real HTTP, against the emulator', () => {
  let emulator: Emulator;
  const serverErrors: string[] = [];
  let watching: Subscription;
  beforeAll(async () => {
    emulator = await startEmulator({ hereNowCacheMs: 0 });
    watching = emulator.requests$.subscribe((r) => r.status >= 500 && serverErrors.push(`${r.status} ${r.operation} ${r.path}`));
  });
  afterAll(async () => {
    watching.unsubscribe();
    await emulator.close();
  });

  it('delivered exactly, or refused with a PresenceError; never a 5xx, and the emulator stays up (100 runs)', async () => {
    const subscribeKey = randomKey();
    const outcomes = { delivered: 0, refusedByClient: 0, refusedByEmulator: 0 };
    let run = 0;
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        const channel = `room-${run++}`;
        const peer = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: 'peer' }), origin: emulator.url, retry: { attempts: 1 } });
        const watcher = new Presence({ defaultKeyset: new Keyset({ subscribeKey, userId: 'watcher' }), origin: emulator.url, retry: { attempts: 1 } });
        const text = sentText(v);
        // events$ first, so that the join arrives over the long-poll, carrying the state.
        const live: Array<PresenceEvent | { error: unknown }> = [];
        const subscription = watcher.events$({ channels: [channel], initial: 'skip' }).subscribe({ next: (e) => live.push(e), error: (error: unknown) => live.push({ error }) });
        try {
          await waitFor(() => emulator.heldSubscribes() > 0 || live.length > 0, 3000, 'the long-poll held');
          const announced = await firstValueFrom(peer.announceHeartbeat({ channels: [channel], state: { [channel]: { v } as Record<string, unknown> } })).then(
            () => 'ok' as const,
            (error: unknown) => {
              expectPresenceError(error);
              return isPresenceError(error) && error.category === 'validation' ? ('client' as const) : (error as { statusCode?: number }).statusCode;
            },
          );
          if (announced === 'client') {
            outcomes.refusedByClient++;
            return;
          }
          if (announced !== 'ok') {
            // The emulator's refusals: nesting beyond 32 levels, a number it cannot keep, a URI over 32 KiB.
            expect([400, 414]).toContain(announced);
            outcomes.refusedByEmulator++;
            return;
          }
          outcomes.delivered++;
          const expected = jsonText(JSON.parse(text!));
          const here = await firstValueFrom(watcher.hereNow({ channels: [channel], stateInfo: StateInfo.all }));
          const state = await firstValueFrom(watcher.getState({ channels: [channel], uuid: 'peer' }));
          const polled = await firstValueFrom(watcher.presenceEvents$({ channels: [channel], stateInfo: StateInfo.all }).pipe(take(1)) as Observable<PresenceEvent>);
          await waitFor(() => live.length > 0, 3000, 'the join over the long-poll');
          const [joined] = live;
          if ('error' in joined) {
            expectPresenceError(joined.error);
            throw joined.error;
          }
          for (const got of [here.channels.get(channel)?.uuids.get('peer')?.state, state.stateByChannel.get(channel), polled.state, joined.state]) {
            const seen = jsonText(got);
            expect(seen === expected ? 'exact' : `differs: ${seen.slice(0, 80)}`).toBe('exact');
          }
          await firstValueFrom(peer.announceLeave({ channels: [channel] }));
        } finally {
          subscription.unsubscribe();
          // The next run waits for its own long-poll: this one must be gone first.
          await waitFor(() => emulator.heldSubscribes() === 0, 3000, 'the long-poll released');
        }
        for (const item of live) if ('error' in item) expectPresenceError(item.error);
      }),
      { numRuns: 100 },
    );
    expect(serverErrors).toEqual([]);
    // Still up and answering.
    expect((await fetch(`${emulator.url}/time/0`)).status).toBe(200);
    expect(outcomes.delivered).toBeGreaterThan(20);
    expect(outcomes.refusedByEmulator + outcomes.refusedByClient).toBeGreaterThan(5);
  }, 120_000);
});
