/**
 * `hereNow()` pages by `offset` until it has everyone, but a server that ignores `offset`, always
 * fills the page or keeps raising the count must not keep it paging forever (issue 13, defect 8).
 */
import { firstValueFrom } from 'rxjs';
import { Keyset } from '../../lib/keyset';
import { HERE_NOW_PAGE_LIMIT } from '../../lib/protocol/limits';
import { Presence } from '../../lib/presence';
import { scriptedServer } from '../helpers/scripted-server';

/** Past this many requests the server answers 400, so that endless paging fails rather than hangs. */
const GIVE_UP_AFTER = 500;

/** A server answering here-now pages from `page(offset, limit, hit)`. */
async function pagingServer(page: (offset: number, limit: number, hit: number) => { occupancy: number; uuids: string[] }) {
  let hit = 0;
  return scriptedServer((req, res) => {
    hit += 1;
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    res.writeHead(hit > GIVE_UP_AFTER ? 400 : 200, { 'content-type': 'text/javascript; charset="UTF-8"' });
    if (hit > GIVE_UP_AFTER) return res.end(JSON.stringify({ status: 400, error: 1, message: `stop: ${hit} requests`, service: 'Presence' }));
    const { occupancy, uuids } = page(Number(query.get('offset') ?? 0), Number(query.get('limit')), hit);
    res.end(JSON.stringify({ status: 200, message: 'OK', service: 'Presence', occupancy, uuids }));
  });
}

async function hereNowFrom(server: { url: string }, limit?: number) {
  const presence = new Presence({ defaultKeyset: new Keyset({ subscribeKey: 'sub', userId: 'me' }), origin: server.url, retry: { attempts: 1 } });
  const result = await firstValueFrom(presence.hereNow({ channels: ['lobby'], ...(limit === undefined ? {} : { limit }) }));
  return result.channels.get('lobby')!;
}

const range = (from: number, count: number, prefix = 'u') => Array.from({ length: count }, (_, i) => `${prefix}${from + i}`);

describe('hereNow paging', () => {
  it('fetches every page of an honest server, and merges them', async () => {
    const server = await pagingServer((offset, limit) => ({ occupancy: 2500, uuids: range(offset, Math.max(0, Math.min(limit, 2500 - offset))) }));
    try {
      const lobby = await hereNowFrom(server);
      expect(server.hits).toBe(3);
      expect(lobby.count).toBe(2500);
      expect(lobby.uuids.size).toBe(2500);
      expect([...lobby.uuids.keys()].slice(0, 2)).toEqual(['u0', 'u1']);
    } finally {
      await server.close();
    }
  });

  it('stops when a page brings nothing new (a server that ignores offset)', async () => {
    const server = await pagingServer((_offset, limit) => ({ occupancy: 1_000_000_000, uuids: range(0, limit) }));
    try {
      const lobby = await hereNowFrom(server);
      expect(server.hits).toBe(2);
      expect(lobby.uuids.size).toBe(HERE_NOW_PAGE_LIMIT);
      expect(lobby.count).toBe(1_000_000_000);
    } finally {
      await server.close();
    }
  });

  it('stops at a bound on pages when every page is full of new uuids', async () => {
    const server = await pagingServer((offset, limit, hit) => ({ occupancy: 1_000_000_000, uuids: range(offset, limit, `h${hit}-`) }));
    try {
      const lobby = await hereNowFrom(server);
      // 100,000 occupants at most: 100 pages of the default 1,000.
      expect(server.hits).toBe(100);
      expect(lobby.uuids.size).toBe(100_000);
    } finally {
      await server.close();
    }
  });

  it('stops when the count keeps growing past what the first page announced', async () => {
    const server = await pagingServer((offset, limit) => ({ occupancy: offset + 2 * limit, uuids: range(offset, limit) }));
    try {
      const lobby = await hereNowFrom(server, 10);
      // The first page announced 20: two pages, and one more for anyone who arrived meanwhile.
      expect(server.hits).toBe(3);
      expect(lobby.uuids.size).toBe(30);
    } finally {
      await server.close();
    }
  });

  it('a small limit still reaches everyone of an honest server', async () => {
    const server = await pagingServer((offset, limit) => ({ occupancy: 45, uuids: range(offset, Math.max(0, Math.min(limit, 45 - offset))) }));
    try {
      const lobby = await hereNowFrom(server, 2);
      expect(server.hits).toBe(23);
      expect(lobby.uuids.size).toBe(45);
    } finally {
      await server.close();
    }
  });
});
