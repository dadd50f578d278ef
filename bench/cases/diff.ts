/**
 * Case 1: `diffOccupants` against Phoenix Presence's `syncState` on the same snapshot pairs.
 *
 * Both get one channel with one entry per user. Churn `c` means that a fraction `c` of the users
 * in the first snapshot are gone from the second, replaced by as many new users. "With state"
 * gives every user a small state object; the second snapshot holds equal but distinct objects
 * (what two JSON parses produce), so our diff compares them deeply while Phoenix compares
 * `phx_ref`s. Inputs are built outside the timed region; Phoenix's own `JSON.parse(JSON.stringify())`
 * clone of the state is part of its real cost and stays in.
 */
import { Presence as PhoenixPresence } from 'phoenix';
import type { HereNowResult, OccupantInfo } from '../../lib/types';
import { row, samplePair, type BenchContext, type Row } from '../harness';
import { diffModule } from '../package';

// As users load it (dist/cjs), see ../package.ts.
const { diffOccupants } = diffModule();

interface Meta {
  readonly phx_ref: string;
  readonly [key: string]: unknown;
}
type PhoenixState = Record<string, { metas: Meta[] }>;

interface Snapshot {
  readonly ours: HereNowResult;
  readonly phoenix: PhoenixState;
}

interface User {
  readonly uuid: string;
  readonly ref: string;
}

const stateOf = (i: number) => ({ name: `User ${i}`, mood: i % 3 === 0 ? 'busy' : 'ok', since: 1_700_000_000 + i });

function snapshot(users: readonly User[], withState: boolean): Snapshot {
  const uuids = new Map<string, OccupantInfo>();
  const phoenix: PhoenixState = {};
  for (const user of users) {
    // A fresh state object per snapshot: equal content, different identity.
    const state = withState ? stateOf(Number(user.uuid.slice('user-'.length))) : undefined;
    uuids.set(user.uuid, state === undefined ? { uuid: user.uuid } : { uuid: user.uuid, state });
    phoenix[user.uuid] = { metas: [state === undefined ? { phx_ref: user.ref } : { phx_ref: user.ref, ...state }] };
  }
  return {
    ours: {
      totalChannels: 1,
      totalOccupancy: users.length,
      channels: new Map([['lobby', { channelName: 'lobby', count: users.length, uuids }]]),
    },
    phoenix,
  };
}

/** A pair of snapshots of `size` users with `churn` of them replaced. */
export function snapshotPair(size: number, churn: number, withState: boolean): { before: Snapshot; after: Snapshot; changed: number } {
  const before: User[] = Array.from({ length: size }, (_, i) => ({ uuid: `user-${i}`, ref: `F${i.toString(36)}` }));
  const replaced = Math.round(size * churn);
  // Spread the leavers over the list (every k-th), as real churn is.
  const step = replaced === 0 ? Infinity : size / replaced;
  const leaving = new Set<number>();
  for (let k = 0; k < replaced; k++) leaving.add(Math.floor(k * step));
  const after: User[] = before.filter((_, i) => !leaving.has(i));
  for (let k = 0; k < replaced; k++) after.push({ uuid: `user-${size + k}`, ref: `G${k.toString(36)}` });
  return { before: snapshot(before, withState), after: snapshot(after, withState), changed: 2 * replaced };
}

const noop = (): void => undefined;

export async function runDiff(ctx: BenchContext): Promise<Row[]> {
  const sizes = ctx.smoke ? [1_000] : ctx.quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
  const rows: Row[] = [];
  for (const size of sizes) {
    for (const churn of [0.01, 0.5]) {
      for (const withState of [false, true]) {
        const variant = `${size.toLocaleString('en-US')} occupants, ${churn * 100}% churn, ${withState ? 'with' : 'no'} state`;
        ctx.log(`diff: ${variant}`);
        const { before, after, changed } = snapshotPair(size, churn, withState);
        // Sanity: both sides see the same change.
        const events = diffOccupants(before.ours, after.ours, 0).length;
        let phoenixEvents = 0;
        PhoenixPresence.syncState(before.phoenix, after.phoenix, () => phoenixEvents++, () => phoenixEvents++);
        if (events !== changed || phoenixEvents !== changed) {
          throw new Error(`diff inputs disagree: ours ${events}, phoenix ${phoenixEvents}, expected ${changed}`);
        }
        let sink = 0;
        const samples = await samplePair(
          (n) => {
            for (let i = 0; i < n; i++) sink += diffOccupants(before.ours, after.ours, i).length;
          },
          (n) => {
            for (let i = 0; i < n; i++) sink += Object.keys(PhoenixPresence.syncState(before.phoenix, after.phoenix, noop, noop)).length;
          },
          {
            reps: ctx.smoke ? 2 : ctx.quick ? 3 : 7,
            warmupMs: ctx.smoke ? 5 : ctx.quick ? 30 : size >= 100_000 ? 400 : 150,
            minSampleMs: ctx.smoke ? 1 : ctx.quick ? 5 : 20,
          },
        );
        if (sink === 0) throw new Error('unreachable: keeps the results alive');
        rows.push(
          row({
            case: 'diff',
            variant,
            samples: samples.ours,
            unit: 'ms/diff',
            peer: 'phoenix Presence.syncState',
            peerSamples: samples.peer,
            goal: '< 1× peer',
            check: (ratio) => ratio < 1,
          }),
        );
      }
    }
  }
  return rows;
}
