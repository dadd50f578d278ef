/**
 * Most channels one channel group holds, as on the service (its documented limit is 2,000 channels
 * per group). An add that would take a group past it is refused whole with the registry's 400
 * `Maximum channel group count exceeded.`; without it, one heartbeat or here-now naming a group
 * could act on any number of channels (despite the per-request channel limit). Change it with
 * `EmulatorOptions.maxChannelsPerGroup`.
 *
 * @example
 * ```ts
 * import { MAX_CHANNELS_PER_GROUP } from 'rx-presence/emulator';
 * const batches = Math.ceil(channels.length / MAX_CHANNELS_PER_GROUP); // groups needed
 * ```
 */
export const MAX_CHANNELS_PER_GROUP = 2000;

/**
 * The channel registry of one subscribe key: group name → its channels, in the order they were added.
 *
 * A group holds at most `maxChannels` channels (see {@link MAX_CHANNELS_PER_GROUP}). A group
 * exists while it has channels: removing the last one, like deleting the group, makes it disappear
 * from {@link ChannelGroups.groups}, and listing it again answers an empty list, as the service does.
 *
 * @example
 * ```ts
 * const groups = new ChannelGroups();
 * groups.add('cg', ['a', 'b']);
 * groups.expand(['cg'], ['b', 'c']); // ['b', 'c', 'a']: explicit channels first, no duplicates
 * groups.add('cg', manyChannels);    // false, nothing added, when it would pass the limit
 * groups.remove('cg', ['a', 'b']);
 * groups.groups();                   // []
 * ```
 */
export class ChannelGroups {
  private readonly registry = new Map<string, Set<string>>();

  constructor(private readonly maxChannels: number = MAX_CHANNELS_PER_GROUP) {}

  /**
   * Adds channels to `group`, creating it; channels already there keep their place. Adds nothing
   * and returns `false` when the group would then hold more than `maxChannels`.
   */
  add(group: string, channels: readonly string[]): boolean {
    if (channels.length === 0) return true;
    const members = this.registry.get(group);
    let size = members?.size ?? 0;
    const fresh = new Set<string>();
    for (const channel of channels) {
      if (members?.has(channel) || fresh.has(channel)) continue;
      fresh.add(channel);
      if (++size > this.maxChannels) return false;
    }
    if (members) for (const channel of fresh) members.add(channel);
    else if (fresh.size > 0) this.registry.set(group, fresh);
    return true;
  }

  /** Whether no group has a channel. */
  get isEmpty(): boolean {
    return this.registry.size === 0;
  }

  /** Removes channels from `group`; channels that are not members are ignored. */
  remove(group: string, channels: readonly string[]): void {
    const members = this.registry.get(group);
    if (!members) return;
    for (const channel of channels) members.delete(channel);
    if (members.size === 0) this.registry.delete(group);
  }

  /** Deletes `group` with all its channels. */
  delete(group: string): void {
    this.registry.delete(group);
  }

  /** The channels of `group`; empty for an unknown group. */
  channels(group: string): string[] {
    return [...(this.registry.get(group) ?? [])];
  }

  /** Whether `channel` is currently in `group`. */
  has(group: string, channel: string): boolean {
    return this.registry.get(group)?.has(channel) ?? false;
  }

  /** Every group that has channels. */
  groups(): string[] {
    return [...this.registry.keys()];
  }

  /** `channels` followed by the channels of `groups`, each once: what a request on both acts on. */
  expand(groups: readonly string[], channels: readonly string[] = []): string[] {
    const all = new Set(channels);
    for (const group of groups) for (const channel of this.registry.get(group) ?? []) all.add(channel);
    return [...all];
  }
}
