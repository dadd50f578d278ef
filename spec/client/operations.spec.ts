import { firstValueFrom, from, lastValueFrom, Observable, of, take, throwError, toArray } from 'rxjs';
import { startEmulator, type Emulator, type EmulatorRequestRecord } from '../../lib/emulator';
import { isPresenceError, type PresenceError } from '../../lib/errors';
import { Keyset, KeysetStore, UserId } from '../../lib/keyset';
import { announceHeartbeat } from '../../lib/operations/heartbeat';
import { hereNow, StateInfo } from '../../lib/operations/here-now';
import { Presence } from '../../lib/presence';
import type { PresenceRequest } from '../../lib/transport/types';
import { randomKey } from '../helpers/emulator';

let emulator: Emulator;
const seen: EmulatorRequestRecord[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ hereNowCacheMs: 0 });
  emulator.requests$.subscribe((r) => seen.push(r));
});
afterAll(() => emulator.close());

/** A client for one user on a fresh sub-key (tests never see each other's presence). */
function client(userId = 'me', subscribeKey = randomKey()) {
  const keyset = new Keyset({ subscribeKey, publishKey: 'pub', userId: new UserId(userId) });
  return new Presence({ defaultKeyset: keyset, origin: emulator.url, retry: { attempts: 1 } });
}

/** The same sub-key, another user. */
function peer(presence: Presence, userId: string) {
  return new Presence({ defaultKeyset: presence.keysets.defaultKeyset.withUserId(userId), origin: emulator.url });
}

const first = <T>(o: import('rxjs').Observable<T>) => firstValueFrom(o);
const failure = (o: import('rxjs').Observable<unknown>) => firstValueFrom(o).then(() => undefined, (e: unknown) => e as PresenceError);

describe('hereNow', () => {
  it('one channel: uuids, count and totals', async () => {
    const me = client('alice');
    await first(me.announceHeartbeat({ channels: ['lobby'] }));
    await first(peer(me, 'bob').announceHeartbeat({ channels: ['lobby'] }));
    const result = await first(me.hereNow({ channels: ['lobby'] }));
    expect(result.totalChannels).toBe(1);
    expect(result.totalOccupancy).toBe(2);
    const lobby = result.channels.get('lobby')!;
    expect(lobby.channelName).toBe('lobby');
    expect(lobby.count).toBe(2);
    expect([...lobby.uuids.values()]).toEqual([{ uuid: 'alice' }, { uuid: 'bob' }]);
  });

  it('with state (StateInfo.all); a uuid without state has none', async () => {
    const me = client('alice');
    await first(me.announceHeartbeat({ channels: ['lobby'], state: { lobby: { mood: 'ok', n: [1, { deep: true }] } } }));
    await first(peer(me, 'bob').announceHeartbeat({ channels: ['lobby'] }));
    const lobby = (await first(me.hereNow({ channels: ['lobby'], stateInfo: StateInfo.all }))).channels.get('lobby')!;
    expect(lobby.uuids.get('alice')).toEqual({ uuid: 'alice', state: { mood: 'ok', n: [1, { deep: true }] } });
    expect(lobby.uuids.get('bob')).toEqual({ uuid: 'bob' });
    expect('state' in lobby.uuids.get('bob')!).toBe(false);
  });

  it('occupancy only (StateInfo.none)', async () => {
    const me = client('alice');
    await first(me.announceHeartbeat({ channels: ['lobby'] }));
    const lobby = (await first(me.hereNow({ channels: ['lobby'], stateInfo: StateInfo.none }))).channels.get('lobby')!;
    expect(lobby.count).toBe(1);
    expect(lobby.uuids.size).toBe(0);
  });

  it('several channels and groups (the payload shape)', async () => {
    const me = client('alice');
    await first(me.channelGroups.addChannels('cg1', ['c', 'd']));
    await first(me.announceHeartbeat({ channels: ['a', 'c'] }));
    await first(peer(me, 'bob').announceHeartbeat({ channels: ['b', 'd'] }));
    const result = await first(me.hereNow({ channels: ['a', 'b'], channelGroups: ['cg1'] }));
    expect(result.totalChannels).toBe(4);
    expect(result.totalOccupancy).toBe(4);
    expect([...result.channels.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect([...result.channels.get('d')!.uuids.keys()]).toEqual(['bob']);
  });

  it('global here now when no channels and no groups are given', async () => {
    const me = client('alice');
    await first(me.announceHeartbeat({ channels: ['x', 'y'] }));
    await first(peer(me, 'bob').announceHeartbeat({ channels: ['y'] }));
    const result = await first(me.hereNow());
    expect(result.totalChannels).toBe(2);
    expect(result.totalOccupancy).toBe(3);
    expect([...result.channels.get('y')!.uuids.keys()].sort()).toEqual(['alice', 'bob']);
    expect(seen.at(-1)?.operation).toBe('globalHereNow');
  });

  it('is complete past 1,000 occupants (pages by offset), or one page on request', async () => {
    const me = client('user-0');
    const ids = Array.from({ length: 2300 }, (_, i) => `user-${i}`);
    for (let i = 0; i < ids.length; i += 100) {
      await Promise.all(ids.slice(i, i + 100).map((id) => first(peer(me, id).announceHeartbeat({ channels: ['big', 'small'] }))));
    }
    const before = seen.length;
    const all = await first(me.hereNow({ channels: ['big', 'small'] }));
    expect(seen.length - before).toBe(3);
    expect(all.channels.get('big')!.uuids.size).toBe(2300);
    expect(new Set(all.channels.get('big')!.uuids.keys())).toEqual(new Set(ids));
    expect(all.channels.get('big')!.count).toBe(2300);
    expect(all.totalOccupancy).toBe(4600);

    const one = await first(me.hereNow({ channels: ['big'], fetchAllPages: false, limit: 500, offset: 100 }));
    expect(one.channels.get('big')!.count).toBe(2300);
    expect([...one.channels.get('big')!.uuids.keys()]).toEqual(ids.slice(100, 600));
  });
});

describe('whereNow', () => {
  it('lists my channels, or another user\'s; none when offline', async () => {
    const me = client('alice');
    await first(me.announceHeartbeat({ channels: ['a', 'b'] }));
    expect((await first(me.whereNow())).channels.slice().sort()).toEqual(['a', 'b']);
    expect((await first(peer(me, 'bob').whereNow({ uuid: 'alice' }))).channels.slice().sort()).toEqual(['a', 'b']);
    expect(await first(me.whereNow({ uuid: 'nobody' }))).toEqual({ channels: [] });
  });
});

describe('announceHeartbeat / announceLeave', () => {
  it('heartbeat makes me present; leave removes me at once, also through groups', async () => {
    const me = client('alice');
    await first(me.channelGroups.addChannels('cg', ['g1', 'g2']));
    expect(await first(me.announceHeartbeat({ channels: ['a'], channelGroups: ['cg'], heartbeat: 60 }))).toEqual({ status: 200, message: 'OK' });
    expect((await first(me.whereNow())).channels.slice().sort()).toEqual(['a', 'g1', 'g2']);
    expect(await first(me.announceLeave({ channelGroups: ['cg'] }))).toEqual({ action: 'leave' });
    expect((await first(me.whereNow())).channels).toEqual(['a']);
    await first(me.announceLeave({ channels: ['a'] }));
    expect((await first(me.whereNow())).channels).toEqual([]);
  });

  it('puts exactly the protocol request on the wire', async () => {
    const me = client('alice');
    await first(me.announceHeartbeat({ channels: ['a b', 'c'], channelGroups: ['cg1', 'cg2'], heartbeat: 120, state: { 'a b': { x: 1 } } }));
    const beat = seen.at(-1)!;
    expect(beat.operation).toBe('heartbeat');
    expect(beat.path).toBe(`/v2/presence/sub-key/${me.keysets.defaultKeyset.subscribeKey}/channel/a%20b,c/heartbeat`);
    expect(beat.query).toEqual({
      heartbeat: '120',
      'channel-group': 'cg1,cg2',
      state: '{"a b":{"x":1}}',
      uuid: 'alice',
      pnsdk: 'rx-presence/0.1.0',
    });
    await first(me.announceLeave({ channels: ['a b'] }));
    expect(seen.at(-1)!.path).toMatch(/\/channel\/a%20b\/leave$/);
  });
});

describe('state', () => {
  it('round-trips on one channel', async () => {
    const me = client('alice');
    await first(me.announceHeartbeat({ channels: ['lobby'] }));
    const state = { is_typing: true, nested: { list: [1, 'two', null] }, text: 'héllo 😀' };
    expect(await first(me.setState(state, { channels: ['lobby'] }))).toEqual({ state });
    const got = await first(me.getState({ channels: ['lobby'] }));
    expect(got.uuid).toBe('alice');
    expect(got.stateByChannel).toEqual(new Map([['lobby', state]]));
    expect(got.stateByUUID()).toEqual(new Map([['alice', state]]));
    expect((await first(peer(me, 'bob').getState({ channels: ['lobby'], uuid: 'alice' }))).stateByChannel.get('lobby')).toEqual(state);
  });

  it('round-trips on several channels and groups (payload.channels)', async () => {
    const me = client('alice');
    await first(me.channelGroups.addChannels('cg', ['g1']));
    await first(me.announceHeartbeat({ channels: ['a', 'b'], channelGroups: ['cg'] }));
    await first(me.setState({ score: 3 }, { channels: ['a', 'b'], channelGroups: ['cg'] }));
    const got = await first(me.getState({ channels: ['a', 'b'], channelGroups: ['cg'] }));
    expect(Object.fromEntries(got.stateByChannel)).toEqual({ a: { score: 3 }, b: { score: 3 }, g1: { score: 3 } });
    expect(got.stateByUUID().get('alice')).toEqual({ a: { score: 3 }, b: { score: 3 }, g1: { score: 3 } });
  });

  it('leave deletes my state there', async () => {
    const me = client('alice');
    await first(me.announceHeartbeat({ channels: ['a'], state: { a: { v: 1 } } }));
    await first(me.announceLeave({ channels: ['a'] }));
    expect((await first(me.getState({ channels: ['a'] }))).stateByChannel.get('a')).toEqual({});
  });
});

describe('channel groups', () => {
  it('add, list, remove, list groups, delete', async () => {
    const me = client();
    expect(await first(me.channelGroups.addChannels('cg1', ['a', 'b', 'c']))).toEqual({ group: 'cg1' });
    await first(me.channelGroups.addChannels('cg2', ['z']));
    expect((await first(me.channelGroups.listChannels('cg1'))).channels.slice().sort()).toEqual(['a', 'b', 'c']);
    await first(me.channelGroups.removeChannels('cg1', ['b']));
    expect((await first(me.channelGroups.listChannels('cg1'))).channels.slice().sort()).toEqual(['a', 'c']);
    expect((await first(me.channelGroups.listGroups())).groups.slice().sort()).toEqual(['cg1', 'cg2']);
    await first(me.channelGroups.delete('cg1'));
    expect((await first(me.channelGroups.listGroups())).groups).toEqual(['cg2']);
    expect(await first(me.channelGroups.listChannels('cg1'))).toEqual({ group: 'cg1', channels: [] });
  });
});

describe('keysets', () => {
  it('`using` picks a named keyset; an unknown name is a clear error', async () => {
    const me = client('alice');
    const other = new Keyset({ subscribeKey: randomKey(), userId: 'admin' });
    me.keysets.add('admin', other);
    await first(me.announceHeartbeat({ channels: ['ops'], using: 'admin' }));
    expect(seen.at(-1)!.path).toContain(other.subscribeKey);
    expect((await first(me.whereNow({ using: 'admin' }))).channels).toEqual(['ops']);
    expect((await first(me.whereNow())).channels).toEqual([]);
    const error = await failure(me.whereNow({ using: 'nope' }));
    expect(error).toMatchObject({ category: 'validation', message: 'whereNow: no keyset named "nope" (known: "default", "admin")' });
  });

  it('useAsDefault switches the default', async () => {
    const me = client('alice');
    const other = new Keyset({ subscribeKey: randomKey(), userId: 'zed' });
    me.keysets.add('other', other, { useAsDefault: true });
    await first(me.announceHeartbeat({ channels: ['x'] }));
    expect(seen.at(-1)!.query.uuid).toBe('zed');
  });
});

describe('awkward names end to end', () => {
  const names = ['with space', 'hash#tag', 'slash/ed', 'at@sign', 'ünïcödé', 'emoji 😀🎉', "q'uote(s)!*~", 'plus+sign', '%25percent'];
  it.each(names)('%s', async (name) => {
    const me = client(`user ${name}`);
    await first(me.channelGroups.addChannels(`group ${name}`, [name]));
    await first(me.announceHeartbeat({ channelGroups: [`group ${name}`], state: { [`group ${name}`]: { name } } }));
    const here = await first(me.hereNow({ channels: [name], stateInfo: StateInfo.all }));
    expect([...here.channels.keys()]).toEqual([name]);
    expect(here.channels.get(name)!.uuids.get(`user ${name}`)).toEqual({ uuid: `user ${name}`, state: { name } });
    expect((await first(me.whereNow())).channels).toEqual([name]);
    expect((await first(me.channelGroups.listChannels(`group ${name}`))).channels).toEqual([name]);
  });
});

describe('validation happens before any request', () => {
  let me: Presence;
  beforeAll(() => {
    me = client();
  });
  const cases: Array<[string, () => import('rxjs').Observable<unknown>, RegExp]> = [
    ['heartbeat without channels', () => me.announceHeartbeat({}), /at least one channel or channel group/],
    ['leave without channels', () => me.announceLeave({ channels: [] }), /at least one channel or channel group/],
    ['setState without channels', () => me.setState({ a: 1 }), /at least one channel or channel group/],
    ['an empty channel name', () => me.hereNow({ channels: [''] }), /must not be empty/],
    ['a comma in a channel name', () => me.hereNow({ channels: ['a,b'] }), /contains ","/],
    ['a presence channel name', () => me.announceHeartbeat({ channels: ['lobby-pnpres'] }), /reserved for presence events/],
    ['a channel name over 92 characters', () => me.hereNow({ channels: ['c'.repeat(93)] }), /the limit is 92/],
    ['channels given as a string', () => me.hereNow({ channels: 'lobby' as unknown as string[] }), /array or set of names, got a string/],
    ['heartbeat 0', () => me.announceHeartbeat({ channels: ['a'], heartbeat: 0 }), /from 1 to 320/],
    ['heartbeat 321', () => me.announceHeartbeat({ channels: ['a'], heartbeat: 321 }), /from 1 to 320/],
    ['state not an object', () => me.setState([1, 2] as never, { channels: ['a'] }), /must be a JSON object, got an array/],
    ['state null', () => me.setState(null as never, { channels: ['a'] }), /got null/],
    ['state over 32 KiB', () => me.setState({ big: 'x'.repeat(33_000) }, { channels: ['a'] }), /the limit is 32768/],
    ['heartbeat state for another channel', () => me.announceHeartbeat({ channels: ['a'], state: { b: {} } }), /"b" is not one of this call's channels/],
    ['an over-long uuid', () => me.whereNow({ uuid: 'u'.repeat(93) }), /1 to 92 characters/],
    ['an empty uuid', () => me.getState({ channels: ['a'], uuid: '' }), /1 to 92 characters/],
    ['limit 0', () => me.hereNow({ channels: ['a'], limit: 0 }), /limit must be an integer from 1 to 1000/],
    ['stateInfo unknown', () => me.hereNow({ channels: ['a'], stateInfo: 'some' as never }), /stateInfo must be one of/],
  ];
  it.each(cases)('%s', async (_name, call, message) => {
    const before = seen.length;
    const error = await failure(call());
    expect(isPresenceError(error)).toBe(true);
    expect(error!.category).toBe('validation');
    expect(error!.message).toMatch(message);
    expect(seen.length).toBe(before);
  });

  it('an empty or over-long user id in a keyset', () => {
    expect(() => new UserId('')).toThrow(/1 to 92 characters/);
    expect(() => new Keyset({ subscribeKey: 'x', userId: 'u'.repeat(93) })).toThrow(/1 to 92 characters/);
  });
});

describe('cold observables', () => {
  it('nothing is sent until subscribe; each subscription sends its own request', async () => {
    const me = client('alice');
    const before = seen.length;
    const where$ = me.whereNow();
    await new Promise((r) => setTimeout(r, 30));
    expect(seen.length).toBe(before);
    await lastValueFrom(where$);
    await lastValueFrom(where$);
    expect(seen.length).toBe(before + 2);
  });

  it('emits once and completes', async () => {
    const me = client('alice');
    expect(await lastValueFrom(me.whereNow().pipe(toArray()))).toEqual([{ channels: [] }]);
  });
});

describe('requests as a transport sees them', () => {
  it('carry the tuning fields (timeout, attempts, fetch options) only where they were set', async () => {
    const seen: PresenceRequest[] = [];
    const answers: Record<string, unknown> = {
      hereNow: { status: 200, message: 'OK', service: 'Presence', occupancy: 0, uuids: [] },
      heartbeat: { status: 200, message: 'OK', service: 'Presence' },
    };
    const context = {
      keysets: new KeysetStore().add('default', new Keyset({ subscribeKey: 'demo', userId: 'me' })),
      transport: (request: PresenceRequest) => {
        seen.push(request);
        return of(answers[request.operation]);
      },
    };
    await firstValueFrom(hereNow(context, { channels: ['lobby'] }));
    await firstValueFrom(announceHeartbeat(context, { channels: ['lobby'] }));
    await firstValueFrom(announceHeartbeat(context, { channels: ['lobby'] }, { attempts: 1, timeoutMs: 500, init: { keepalive: true } }));
    expect(seen.map((request) => Object.keys(request).sort())).toEqual([
      ['keys', 'operation', 'path', 'query'],
      ['keys', 'operation', 'path', 'query'],
      ['attempts', 'init', 'keys', 'operation', 'path', 'query', 'timeoutMs'],
    ]);
  });

  describe("a custom transport's own failure reaches the caller as a PresenceError, without the credentials it quotes", () => {
    const authKey = 'auth-9f1c';
    const failure = (request: PresenceRequest) => new TypeError(`socket closed while sending ${request.path}?auth=${request.keys.authKey ?? ''}`);
    const transports: Record<string, (request: PresenceRequest) => Observable<unknown>> = {
      'an Observable that errors': (request) => throwError(() => failure(request)),
      'a throw instead of an Observable': (request) => {
        throw failure(request);
      },
    };
    it.each(Object.entries(transports))('%s', async (_, transport) => {
      let sent = 0;
      const context = {
        keysets: new KeysetStore().add('default', new Keyset({ subscribeKey: 'demo', userId: 'me', authKey })),
        transport: (request: PresenceRequest) => {
          sent += 1;
          return transport(request);
        },
      };
      const calls: Observable<unknown>[] = [hereNow(context, { channels: ['lobby'] }), announceHeartbeat(context, { channels: ['lobby'] })];
      for (const call of calls) {
        const error = await firstValueFrom(call).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isPresenceError(error)).toBe(true);
        expect((error as PresenceError).message).toContain('TypeError: socket closed while sending /v2/presence/sub-key/demo/channel/lobby');
        expect(JSON.stringify({ message: (error as PresenceError).message, details: (error as PresenceError).details })).not.toContain(authKey);
      }
      expect(sent).toBe(2);
    });
  });

  it('a validation error is a notification at subscribe time, and nothing is sent', async () => {
    let sent = 0;
    const context = {
      keysets: new KeysetStore().add('default', new Keyset({ subscribeKey: 'demo', userId: 'me' })),
      transport: () => {
        sent += 1;
        return of({ status: 200, message: 'OK', service: 'Presence', occupancy: 0, uuids: [] });
      },
    };
    const later = hereNow(context, { channels: ['lobby'] });
    const invalid = hereNow(context, { channels: ['bad,name'] });
    expect(sent).toBe(0);
    await expect(firstValueFrom(invalid)).rejects.toMatchObject({ category: 'validation' });
    expect(sent).toBe(0);
    await firstValueFrom(later);
    await firstValueFrom(later);
    expect(sent).toBe(2);
  });

  it('a synchronous answer stops the transport as soon as the caller has what it wants, or the body is rejected', () => {
    const keysets = new KeysetStore().add('default', new Keyset({ subscribeKey: 'demo', userId: 'me' }));
    const ok = { status: 200, message: 'OK', service: 'Presence' };
    let emitted = 0;
    const endless = () => new Observable<unknown>((s) => {
      while (!s.closed && emitted < 100) {
        emitted += 1;
        s.next(ok);
      }
    });
    announceHeartbeat({ keysets, transport: endless }, { channels: ['lobby'] }).pipe(take(1)).subscribe();
    expect(emitted).toBe(1);
    emitted = 0;
    const rejected = () => from((function* () {
      while (emitted < 100) {
        emitted += 1;
        yield { bogus: true };
      }
    })());
    let failed: unknown;
    hereNow({ keysets, transport: rejected }, { channels: ['lobby'] }).subscribe({ error: (e: unknown) => (failed = e) });
    expect(emitted).toBe(1);
    expect(failed).toMatchObject({ category: 'malformed-response' });
  });
});
