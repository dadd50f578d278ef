import type { PresenceOperation } from '../../lib/errors';
import { Keyset, UserId } from '../../lib/keyset';
import { scriptedPresence, type ScriptedAnswer } from '../../lib/testing';

/**
 * The library's own scripted client (`rx-presence/testing`), plus each request's decoded channel
 * list and a filter by operation.
 */
export function fakeContext(handlers: Partial<Record<PresenceOperation, ScriptedAnswer>>, keyset = new Keyset({ subscribeKey: 'sub', userId: new UserId('me') })) {
  const { presence, requests: raw } = scriptedPresence(handlers, keyset);
  const decorate = () =>
    raw.map((request) => {
      const segment = /\/channel\/([^/]*)/.exec(request.path)?.[1] ?? ',';
      return { ...request, channels: segment === ',' ? [] : segment.split(',').map(decodeURIComponent) };
    });
  return {
    context: presence.context,
    presence,
    keyset,
    get requests() {
      return decorate();
    },
    of: (operation: PresenceOperation) => decorate().filter((r) => r.operation === operation),
  };
}

/** Bodies the protocol sends, for fake answers. */
export const bodies = {
  heartbeat: { status: 200, message: 'OK', service: 'Presence' },
  leave: { status: 200, action: 'leave', message: 'OK', service: 'Presence' },
} as const;

