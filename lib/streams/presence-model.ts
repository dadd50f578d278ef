import type { ChannelOccupancy, HereNowResult, OccupantInfo, PresenceEvent } from '../types';
import { isOccupancyOnly } from './diff-occupancy';
import { jsonEqual } from './json-equal';

/** What one subscribe event says happened to one uuid. */
export interface Change {
  readonly action: 'join' | 'leave' | 'timeout' | 'state-change';
  readonly channel: string;
  readonly uuid: string;
  /** The occupancy the service reports after the change. */
  readonly occupancy: number;
  readonly timestamp: number;
  readonly timetoken: string;
  /** The state the event carries, when it carries one. */
  readonly state?: unknown;
  readonly hasState: boolean;
}

/**
 * Who we believe is on each channel, built from a here-now snapshot and the events since. Events
 * are applied idempotently (a join for someone present, or a leave for someone absent, changes
 * nothing and yields nothing), so replays after a reconnect never invent events; and after each
 * one the service's occupancy is compared with ours, so a missed event shows as a divergence
 * that the caller repairs with a fresh snapshot.
 */
export class PresenceModel {
  readonly #channels = new Map<string, Map<string, OccupantInfo>>();

  /** The channel as a here-now entry (for diffing against a fresh snapshot). */
  occupancy(channel: string): ChannelOccupancy {
    const uuids = this.#channels.get(channel) ?? new Map<string, OccupantInfo>();
    return { channelName: channel, count: uuids.size, uuids };
  }

  /**
   * Replaces what we know of the snapshot's channels (and, for `channels`, their absence). A
   * channel the snapshot gives a count for but no uuids tells how many, not who: what we know of
   * it stays, so a replayed join is not mistaken for a new one.
   */
  reset(snapshot: HereNowResult, channels: readonly string[] = []): void {
    for (const channel of channels) {
      const occupancy = snapshot.channels.get(channel);
      if (occupancy === undefined || !isOccupancyOnly(occupancy) || !this.#channels.has(channel)) this.#channels.set(channel, new Map());
    }
    for (const [name, occupancy] of snapshot.channels) {
      if (!isOccupancyOnly(occupancy)) this.#channels.set(name, new Map(occupancy.uuids));
    }
  }

  /** Applies one change. Returns the event to emit, or nothing when it changed nothing. */
  apply(change: Change): PresenceEvent | undefined {
    let uuids = this.#channels.get(change.channel);
    if (uuids === undefined) this.#channels.set(change.channel, (uuids = new Map()));
    const before = uuids.get(change.uuid);
    let event: PresenceEvent | undefined;
    const base = { channel: change.channel, uuid: change.uuid, occupancy: change.occupancy, timestamp: change.timestamp, timetoken: change.timetoken };
    switch (change.action) {
      case 'join': {
        if (before !== undefined && !(change.hasState && !jsonEqual(before.state, change.state))) break;
        const occupant: OccupantInfo = change.hasState ? { uuid: change.uuid, state: change.state } : (before ?? { uuid: change.uuid });
        uuids.set(change.uuid, occupant);
        event = before !== undefined ? { ...base, action: 'state-change', state: occupant.state } : withState({ ...base, action: 'join' }, occupant);
        break;
      }
      case 'leave':
      case 'timeout':
        if (before === undefined) break;
        uuids.delete(change.uuid);
        event = withState({ ...base, action: change.action }, before);
        break;
      case 'state-change': {
        if (before !== undefined && jsonEqual(before.state, change.state)) break;
        const occupant: OccupantInfo = { uuid: change.uuid, state: change.state };
        uuids.set(change.uuid, occupant);
        event = before === undefined ? { ...base, action: 'join', state: change.state } : { ...base, action: 'state-change', state: change.state };
        break;
      }
    }
    return event;
  }

  /** Whether our count for a channel disagrees with the service's. */
  diverges(channel: string, occupancy: number): boolean {
    return (this.#channels.get(channel)?.size ?? 0) !== occupancy;
  }
}

function withState<E extends PresenceEvent>(event: E, occupant: OccupantInfo): E {
  return 'state' in occupant && occupant.state !== undefined ? { ...event, state: occupant.state } : event;
}
