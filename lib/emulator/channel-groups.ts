/**
 * The channel registry of one subscribe key: group name → its channels, in the order they were added.
 *
 * A group exists while it has channels: removing the last one, like deleting the group, makes it
 * disappear from {@link ChannelGroups.groups}, and listing it again answers an empty list, as the
 * service does.
 *
 * @example
 * ```ts
 * const groups = new ChannelGroups();
 * groups.add('cg', ['a', 'b']);
 * groups.expand(['cg'], ['b', 'c']); // ['b', 'c', 'a']: explicit channels first, no duplicates
 * groups.remove('cg', ['a', 'b']);
 * groups.groups();                   // []
 * ```
 */
export class ChannelGroups {
  private readonly registry = new Map<string, Set<string>>();

  /** Adds channels to `group`, creating it; channels already there keep their place. */
  add(group: string, channels: readonly string[]): void {
    if (channels.length === 0) return;
    let members = this.registry.get(group);
    if (!members) this.registry.set(group, (members = new Set()));
    for (const channel of channels) members.add(channel);
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
