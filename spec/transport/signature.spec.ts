/**
 * The client signs with Web Crypto (`signV2`), the emulator checks with `node:crypto`
 * (`expectedSignature`), and the official SDK signs with its bundled CryptoJS: three independent
 * implementations of the v2 signature, which must agree on any input. A bug shared by the client
 * and the emulator would otherwise go unseen by every spec that signs against the emulator.
 */
import fc from 'fast-check';
import { expectedSignature } from '../../lib/emulator/pipeline/access';
import { encodeNames } from '../../lib/protocol/encoding';
import { signV2 } from '../../lib/transport/signature';

// Internal to the SDK, but it is the signer every official JS client uses; if it moves, this
// spec says so rather than silently testing less.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PubNubMiddleware } = require('pubnub/lib/transport/middleware') as {
  PubNubMiddleware: new (configuration: unknown) => { signatureGenerator?: { signature(req: { method: string; path: string; queryParameters: Record<string, string> }): string } };
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Cryptography = (require('pubnub/lib/core/components/cryptography') as { default: new (configuration: unknown) => { HMACSHA256(data: string): string } }).default;

/** The official SDK's signature for a GET of `path` with `query`. */
function sdkSignature(secretKey: string, publishKey: string | undefined, path: string, query: Record<string, string>): string {
  const crypto = new Cryptography({ secretKey });
  const middleware = new PubNubMiddleware({
    clientConfiguration: { keySet: { publishKey, secretKey }, logger: () => ({ trace: () => undefined }) },
    shaHMAC: crypto.HMACSHA256.bind(crypto),
  });
  if (middleware.signatureGenerator === undefined) throw new Error('the SDK made no signer');
  return middleware.signatureGenerator.signature({ method: 'GET', path, queryParameters: { ...query } });
}

const KNOWN = {
  secretKey: 'mySecretKey',
  publishKey: 'myPublishKey',
  path: '/v2/auth/audit/sub-key/mySubscribeKey',
  query: { channel: 'ch1', pnsdk: 'PubNub-JS-Nodejs/suchJavascript', timestamp: '1317427200', uuid: 'myUUID' },
};

it('all three reproduce the known vector', async () => {
  const expected = 'v2.I7AFqanrAAtwVfvLHyKECTWw7UcZmwbRnwENpXdGB9E';
  expect(await signV2({ ...KNOWN, method: 'GET' })).toBe(expected);
  expect(expectedSignature(KNOWN.secretKey, KNOWN.publishKey, KNOWN.path, KNOWN.query)).toBe(expected);
  expect(sdkSignature(KNOWN.secretKey, KNOWN.publishKey, KNOWN.path, KNOWN.query)).toBe(expected);
});

// Whole code points only: the SDK's CryptoJS cannot encode a lone surrogate at all.
const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength });

it('the client, the emulator and the official SDK agree on random inputs', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        secretKey: text(40).filter((s) => s.length > 0),
        publishKey: fc.option(text(20), { nil: undefined }),
        channels: fc.array(text(12).filter((s) => s.length > 0), { minLength: 1, maxLength: 3 }),
        query: fc.dictionary(fc.stringMatching(/^[a-z][a-z-]{0,9}$/), text(30), { maxKeys: 6 }),
      }),
      async ({ secretKey, publishKey, channels, query }) => {
        const path = `/v2/presence/sub-key/demo/channel/${encodeNames(channels)}/heartbeat`;
        const client = await signV2({ secretKey, publishKey, method: 'GET', path, query });
        expect(client).toMatch(/^v2\.[A-Za-z0-9_-]{43}$/);
        expect(expectedSignature(secretKey, publishKey, path, query)).toBe(client);
        expect(sdkSignature(secretKey, publishKey, path, query)).toBe(client);
      },
    ),
    { numRuns: 200 },
  );
});

it('a different secret, path or query gives a different signature', async () => {
  const base = await signV2({ ...KNOWN, method: 'GET' });
  expect(await signV2({ ...KNOWN, secretKey: 'other', method: 'GET' })).not.toBe(base);
  expect(await signV2({ ...KNOWN, path: `${KNOWN.path}x`, method: 'GET' })).not.toBe(base);
  expect(await signV2({ ...KNOWN, query: { ...KNOWN.query, uuid: 'someone' }, method: 'GET' })).not.toBe(base);
});
