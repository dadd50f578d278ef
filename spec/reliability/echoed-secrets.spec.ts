/**
 * A server or proxy that echoes the request back (the URL in its error message, the auth key in
 * its body, the signature in its reason phrase) must not get our secrets into an error: every
 * string an error carries is redacted, the actual values in any encoding as well as `auth=` /
 * `signature=` patterns (issue 13, defect 9).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { firstValueFrom } from 'rxjs';
import { isPresenceError, type PresenceError } from '../../lib/errors';
import { Keyset } from '../../lib/keyset';
import { Presence } from '../../lib/presence';
import type { FetchLike } from '../../lib/transport/fetch-transport';
import { scriptedServer, type Script } from '../helpers/scripted-server';

// Characters that percent-encoding changes, so that both forms must be caught.
const AUTH = 'tok/en+Au th==7f3a';
const SECRET = 'sec-c-Zm9vYmFyLXNlY3JldA';
const keyset = new Keyset({ subscribeKey: 'sub-c-echo', publishKey: 'pub-c-echo', userId: 'me', authKey: AUTH, secretKey: SECRET });

const signatureOf = (url: string) => new URL(url, 'http://x').searchParams.get('signature') ?? '';

/** Everything an error shows, the ways people print errors. */
function everything(error: PresenceError): string {
  const cause = (error as { cause?: unknown }).cause;
  return [
    error.message,
    String(error.stack),
    error.details.serviceMessage ?? '',
    error.details.url ?? '',
    JSON.stringify(error.details.body) ?? '',
    JSON.stringify(error.issues),
    JSON.stringify(error),
    inspect(error, { depth: Infinity }),
    cause instanceof Error ? `${cause.message} ${String(cause.stack)}` : JSON.stringify(cause) ?? '',
  ].join('\n');
}

function expectNoSecret(text: string, signatures: readonly string[]): void {
  for (const secret of [AUTH, SECRET, ...signatures]) {
    for (const form of new Set([secret, encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, '+')])) {
      expect(text.includes(form) ? `leaked: ${form}` : 'clean').toBe('clean');
    }
  }
}

async function errorFrom(script: Script) {
  const signatures: string[] = [];
  const server = await scriptedServer((req, res, socket) => {
    signatures.push(signatureOf(req.url ?? ''));
    script(req, res, socket);
  });
  try {
    const presence = new Presence({ defaultKeyset: keyset, origin: server.url, retry: { attempts: 1 } });
    const error = await firstValueFrom(presence.hereNow({ channels: ['lobby'] })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPresenceError(error)).toBe(true);
    return { error: error as PresenceError, signatures };
  } finally {
    await server.close();
  }
}

const echo = (status: number, body: (url: string, signature: string) => unknown, reason?: (url: string) => string): Script => (req, res) => {
  const url = req.url ?? '';
  const signature = signatureOf(url);
  res.writeHead(status, reason?.(url) ?? 'Whatever', { 'content-type': 'application/json' });
  res.end(JSON.stringify(body(url, signature)));
};

describe('secrets echoed back by a server never reach an error', () => {
  it('a 403 echoing the URL in its message and the raw auth key and signature in its body', async () => {
    const { error, signatures } = await errorFrom(
      echo(403, (url, signature) => ({
        status: 403,
        error: true,
        service: 'Access Manager',
        message: `Forbidden: GET ${url} (auth key ${AUTH}, signature ${signature})`,
        payload: { auth_key: AUTH, deep: [[{ note: `token ${AUTH} / ${decodeURIComponent(url)}` }]], [AUTH]: signature },
      })),
    );
    expect(error.category).toBe('access-denied');
    expect(error.details.serviceMessage).toMatch(/^Forbidden: GET \/v2\/presence\/sub-key\/sub-c-echo\/channel\/lobby\?/);
    expect(error.details.body).toMatchObject({ payload: { auth_key: '***' } });
    expectNoSecret(everything(error), signatures);
  });

  it('a reason phrase echoing the auth key (the message uses it when the body has none)', async () => {
    const { error, signatures } = await errorFrom((req, res) => {
      res.writeHead(502, `Bad Gateway for ${encodeURIComponent(AUTH)}`, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 502, upstream: req.url }));
    });
    expect(error.category).toBe('server-error');
    expect(error.message).toMatch(/502 Bad Gateway for \*\*\*/);
    expectNoSecret(everything(error), signatures);
  });

  it('a proxy page that is not JSON at all', async () => {
    const { error, signatures } = await errorFrom((req, res) => {
      res.writeHead(502, `Bad Gateway for ${encodeURIComponent(AUTH)}`, { 'content-type': 'text/html' });
      res.end(`<html>upstream failed for ${req.url ?? ''}</html>`);
    });
    expect(error.category).toBe('server-error');
    expectNoSecret(everything(error), signatures);
  });

  it('a 200 of the wrong shape echoing the URL: the decode error, its issues and body', async () => {
    const { error, signatures } = await errorFrom(echo(200, (url, signature) => ({ status: 200, occupancy: `${url} ${AUTH}`, uuids: [signature, { uuid: AUTH }] })));
    expect(error.category).toBe('malformed-response');
    expect(error.issues.length).toBeGreaterThan(0);
    expectNoSecret(everything(error), signatures);
  });

  it('a "false 200" whose message quotes the signature alone', async () => {
    const { error, signatures } = await errorFrom(echo(200, (_url, signature) => ({ status: 400, error: true, message: `bad signature ${signature}`, service: 'Presence' })));
    expect(error.category).toBe('bad-request');
    expect(error.message).toMatch(/bad signature \*\*\*/);
    expectNoSecret(everything(error), signatures);
  });

  it('a fetch that fails with a message quoting the auth key outside any URL', async () => {
    const sent: string[] = [];
    const failing: FetchLike = async (url) => {
      sent.push(signatureOf(url));
      throw Object.assign(new Error(`socket hang up while sending credentials ${AUTH} signed ${signatureOf(url)}`), { code: 'ECONNRESET' });
    };
    const presence = new Presence({ defaultKeyset: keyset, origin: 'http://127.0.0.1:9', fetch: failing, retry: { attempts: 1 } });
    const error = (await firstValueFrom(presence.whereNow()).catch((e: unknown) => e)) as PresenceError;
    expect(error.category).toBe('network');
    expectNoSecret(everything(error), sent);
  });
});

describe('details.url, as documented (issue 13, defect 14)', () => {
  it('redacts auth and signature; timestamp, which is not secret, stays, and the docs say so', async () => {
    const { redactUrl } = await import('../../lib/transport/fetch-transport');
    const url = redactUrl('/p', { auth: 'k', signature: 'v2.x', timestamp: '1700000000', uuid: 'me' });
    expect(url).toBe('/p?auth=***&signature=***&timestamp=1700000000&uuid=me');
    const source = readFileSync(join(__dirname, '..', '..', 'lib', 'errors.ts'), 'utf8');
    const doc = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*readonly url\?: string;/.exec(source)?.[1] ?? '';
    expect(doc).toMatch(/`auth` and `signature` redacted/);
    expect(doc).not.toMatch(/`timestamp` redacted/);
  });
});
