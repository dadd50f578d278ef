/**
 * Case 3: how many requests N subscribers cost, against the floor of one per interval.
 *
 * Runs on virtual time (`TestScheduler.run`) with `scriptedPresence`, so the counts are exact and
 * cost no waiting. N subscribers subscribe at once and stay for 10 intervals; subscriber `i`
 * watches two of ten channels, `ch-(i mod 10)` and `ch-(i+1 mod 10)`, so their sets overlap. Every
 * scripted answer arrives one frame after the request.
 *
 * - `heartbeat$`: heartbeats made in the 10 intervals (floor 10: one request carrying the union),
 *   and leaves at the end (floor 1).
 * - `hereNow$`: polls made, for overlapping sets (floor 10: one here-now of the union per interval
 *   would answer every subscriber) and for identical sets (everyone watches `ch-0,ch-1`).
 */
import { timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { PresenceRequest } from '../../lib/transport/types';
import { responses, scriptedPresence } from '../../lib/testing';
import { row, type BenchContext, type Row } from '../harness';

const INTERVALS = 10;
const INTERVAL_S = 10;
const CHANNELS = 10;

const channelsOf = (i: number, overlapping: boolean): string[] =>
  overlapping ? [`ch-${i % CHANNELS}`, `ch-${(i + 1) % CHANNELS}`] : ['ch-0', 'ch-1'];

/** A here-now answer of the right shape for the request's channels (all empty). */
function hereNowBody(request: PresenceRequest): unknown {
  const names = decodeURIComponent(request.path.slice(request.path.lastIndexOf('/') + 1)).split(',');
  if (names.length === 1) return responses.hereNow([]);
  const channels = Object.fromEntries(names.map((name) => [name, { occupancy: 0, uuids: [] }]));
  return { status: 200, message: 'OK', service: 'Presence', payload: { channels, total_channels: 0, total_occupancy: 0 } };
}

interface Counts {
  readonly heartbeat: number;
  readonly leave: number;
  readonly hereNow: number;
}

/** One virtual-time run: N subscribers of one stream for {@link INTERVALS} intervals. */
function countRequests(stream: 'heartbeat$' | 'hereNow$', subscribers: number, overlapping: boolean): Counts {
  let seen: readonly PresenceRequest[] = [];
  const scheduler = new TestScheduler((actual, expected) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error('unexpected marble mismatch');
  });
  scheduler.run(({ cold, flush }) => {
    const answer = (body: unknown) => cold('-a|', { a: body });
    const { presence, requests } = scriptedPresence({
      heartbeat: () => answer(responses.heartbeat()),
      leave: () => answer(responses.leave()),
      hereNow: (request) => answer(hereNowBody(request)),
    });
    const subscriptions = Array.from({ length: subscribers }, (_, i) => {
      const channels = channelsOf(i, overlapping);
      return stream === 'heartbeat$'
        ? presence.heartbeat$({ channels, heartbeat: 2 * INTERVAL_S + 2, interval: INTERVAL_S }).subscribe()
        : presence.hereNow$({ channels, interval: INTERVAL_S }).subscribe();
    });
    // Everyone leaves just before the 11th interval would start.
    timer(INTERVALS * INTERVAL_S * 1000 - 1).subscribe(() => subscriptions.forEach((s) => s.unsubscribe()));
    // Runs every virtual action, the leave (gathered by a 0 ms timer after the last unsubscribe) included.
    flush();
    seen = requests;
  });
  return {
    heartbeat: seen.filter((r) => r.operation === 'heartbeat').length,
    leave: seen.filter((r) => r.operation === 'leave').length,
    hereNow: seen.filter((r) => r.operation === 'hereNow').length,
  };
}

export function runRequestEconomy(ctx: BenchContext): Promise<Row[]> {
  const reps = ctx.smoke ? 1 : ctx.quick ? 2 : 3;
  const rows: Row[] = [];
  const repeat = (f: () => number): number[] => {
    f(); // warm-up
    return Array.from({ length: reps }, f);
  };
  const floor = INTERVALS;
  const exactly = (ratio: number) => ratio === 1;
  for (const n of [1, 10, 100]) {
    ctx.log(`request economy: N = ${n}`);
    rows.push(
      row({
        case: 'request-economy',
        variant: `heartbeat$ heartbeats, N=${n}, overlapping channels, ${INTERVALS} intervals`,
        samples: repeat(() => countRequests('heartbeat$', n, true).heartbeat),
        unit: 'requests',
        peer: 'floor (1 per interval)',
        peerMedian: floor,
        goal: '= floor',
        check: exactly,
      }),
      row({
        case: 'request-economy',
        variant: `heartbeat$ leaves at the end, N=${n}, overlapping channels`,
        samples: repeat(() => countRequests('heartbeat$', n, true).leave),
        unit: 'requests',
        peer: 'floor (1)',
        peerMedian: 1,
        goal: '= floor',
        check: exactly,
      }),
      row({
        case: 'request-economy',
        variant: `hereNow$ polls, N=${n}, overlapping channels, ${INTERVALS} intervals`,
        samples: repeat(() => countRequests('hereNow$', n, true).hereNow),
        unit: 'requests',
        peer: 'floor (1 per interval)',
        peerMedian: floor,
        goal: '= floor',
        check: exactly,
        note: `${Math.min(n, CHANNELS)} distinct channel sets`,
      }),
      row({
        case: 'request-economy',
        variant: `hereNow$ polls, N=${n}, identical channels, ${INTERVALS} intervals`,
        samples: repeat(() => countRequests('hereNow$', n, false).hereNow),
        unit: 'requests',
        peer: 'floor (1 per interval)',
        peerMedian: floor,
        goal: '= floor',
        check: exactly,
      }),
    );
  }
  return Promise.resolve(rows);
}
