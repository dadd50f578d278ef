/** Shards of the uuid → channels index (a power of two). */
const UUID_SHARDS = 256;

/**
 * The shard of a uuid: a hash of its length and its last few characters (where generated ids
 * differ), cheap enough for every lookup.
 */
const shardOf = (uuid: string): number => {
  const length = uuid.length;
  let hash = length;
  for (let i = Math.max(0, length - 6); i < length; i++) hash = Math.imul(hash ^ uuid.charCodeAt(i), 0x01000193);
  return (hash ^ (hash >>> 15)) & (UUID_SHARDS - 1);
};

/**
 * `uuid → channels it is present on`, split over {@link UUID_SHARDS} Maps so that none gets big:
 * a Map of a million entries rehashes in one go (15–17 ms here) when it grows or shrinks past a
 * power of two, which a mass join or timeout would pay inside one request or expiry slice. A uuid
 * on one channel (nearly everyone) maps to the channel name itself, not to a one-element Set.
 *
 * @example
 * ```ts
 * const index = new ChannelsByUuid();
 * index.add('alice', 'lobby');
 * index.get('alice'); // ['lobby']
 * ```
 */
export class ChannelsByUuid {
  /**
   * Created on first use: 256 empty Maps cost about 50 KB, which every subscribe key would pay
   * however few users it has.
   */
  private readonly shards: (Map<string, string | Set<string>> | undefined)[] = new Array<undefined>(UUID_SHARDS).fill(undefined);

  add(uuid: string, channel: string): void {
    const index = shardOf(uuid);
    const shard = (this.shards[index] ??= new Map());
    const current = shard.get(uuid);
    if (current === undefined) shard.set(uuid, channel);
    else if (typeof current === 'string') {
      if (current !== channel) shard.set(uuid, new Set([current, channel]));
    } else current.add(channel);
  }

  delete(uuid: string, channel: string): void {
    const shard = this.shards[shardOf(uuid)];
    const current = shard?.get(uuid);
    if (shard === undefined || current === undefined) return;
    if (typeof current === 'string') {
      if (current === channel) shard.delete(uuid);
      return;
    }
    current.delete(channel);
    if (current.size === 1) shard.set(uuid, current.values().next().value as string);
  }

  get(uuid: string): string[] {
    const current = this.shards[shardOf(uuid)]?.get(uuid);
    return current === undefined ? [] : typeof current === 'string' ? [current] : [...current];
  }
}

