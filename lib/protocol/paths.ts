/**
 * The protocol's paths (`../shared/protocol.md`), with names encoded as the official SDKs do.
 * Names are expected to be validated already.
 */
import { encodeNames, encodeString } from './encoding';

const presence = (subscribeKey: string) => `/v2/presence/sub-key/${encodeString(subscribeKey)}`;
const registry = (subscribeKey: string) => `/v1/channel-registration/sub-key/${encodeString(subscribeKey)}/channel-group`;

/** Path builders, one per endpoint. */
export const paths = {
  heartbeat: (sub: string, channels: readonly string[]) => `${presence(sub)}/channel/${encodeNames(channels)}/heartbeat`,
  leave: (sub: string, channels: readonly string[]) => `${presence(sub)}/channel/${encodeNames(channels)}/leave`,
  hereNow: (sub: string, channels: readonly string[]) => `${presence(sub)}/channel/${encodeNames(channels)}`,
  globalHereNow: (sub: string) => presence(sub),
  whereNow: (sub: string, uuid: string) => `${presence(sub)}/uuid/${encodeString(uuid)}`,
  setState: (sub: string, channels: readonly string[], uuid: string) =>
    `${presence(sub)}/channel/${encodeNames(channels)}/uuid/${encodeString(uuid)}/data`,
  getState: (sub: string, channels: readonly string[], uuid: string) => `${presence(sub)}/channel/${encodeNames(channels)}/uuid/${encodeString(uuid)}`,
  channelGroup: (sub: string, group: string) => `${registry(sub)}/${encodeString(group)}`,
  deleteChannelGroup: (sub: string, group: string) => `${registry(sub)}/${encodeString(group)}/remove`,
  listChannelGroups: (sub: string) => registry(sub),
  subscribe: (sub: string, channels: readonly string[]) => `/v2/subscribe/${encodeString(sub)}/${encodeNames(channels)}/0`,
} as const;

/** The `channel-group` query parameter, present only when there are groups: a new object each call, for the caller to add to. */
export function groupQuery(groups: readonly string[]): Record<string, string> {
  return groups.length > 0 ? { 'channel-group': groups.join(',') } : {};
}
