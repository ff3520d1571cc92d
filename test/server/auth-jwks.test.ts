/**
 * A remote JWKS (`jwtJwksUrl`) against a real key server on port 0: tokens of the provider's key
 * open streams; a rotation is followed (an unknown `kid` refetches the set once the cooldown has
 * passed, and a withdrawn key stops working); made-up `kid`s cannot make the server hammer the
 * provider; a provider that is down or answers garbage gives 503 / close 1013, not 401 (the token
 * is not at fault); and the option refuses what would let others sign tokens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { createPushServer } from '../../server/index.js';
import { startServer } from '../helpers/server.js';
import { openSse, openWs, request, WAIT_MS } from '../helpers/server-clients.js';
import { withTimeout } from '../helpers/wait.js';

const now = () => Math.floor(Date.now() / 1000);
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

interface ProviderKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

async function providerKey(kid: string): Promise<ProviderKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

const token = (key: Pick<ProviderKey, 'kid' | 'privateKey'>, channels = ['news']) =>
  new SignJWT({ tabmux: { subscribe: channels } })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid })
    .setExpirationTime(now() + 600)
    .sign(key.privateKey);

/** An identity provider's `jwks_uri`: serves `keys`, counts fetches, or fails as told. */
async function keyServer(t: { after(fn: () => unknown): void }) {
  const state = { keys: [] as JWK[], fetches: 0, answer: 'keys' as 'keys' | 'error' | 'garbage' };
  const server = http.createServer((req, res) => {
    state.fetches++;
    if (state.answer === 'error') return void res.writeHead(500).end('down');
    if (state.answer === 'garbage') return void res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>login</html>');
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json` };
}

test('JWKS URL: the provider key opens SSE and WebSocket; a rotation is followed; a withdrawn key is refused', async (t) => {
  const jwks = await keyServer(t);
  const a = await providerKey('key-a');
  const b = await providerKey('key-b');
  jwks.state.keys = [a.jwk];
  const s = await startServer({ jwtJwksUrl: jwks.url, jwtJwksCooldown: 0 });
  t.after(() => s.close());

  const sse = await openSse(`${s.url}/sse?channel=news`, bearer(await token(a)));
  t.after(() => sse.close());
  assert.equal(sse.status, 200);
  const ws = await openWs(s.url);
  t.after(() => ws.close());
  ws.send({ op: 'auth', token: await token(a) });
  ws.send({ op: 'subscribe', channel: 'news' });
  await ws.until((c) => c.frames.some((f) => f.op === 'subscribed'), 'subscribed with the provider key');

  // Rotation: the provider now signs with b only. A token with kid b makes the server refetch.
  jwks.state.keys = [b.jwk];
  const opened = await openSse(`${s.url}/sse?channel=news`, bearer(await token(b)));
  t.after(() => opened.close());
  assert.equal(opened.status, 200, 'a token of the rotated-in key is accepted');
  const withdrawn = await request(`${s.url}/poll?channel=news&timeout=0`, { headers: bearer(await token(a)) });
  assert.equal(withdrawn.status, 401, 'the withdrawn key no longer verifies');
  assert.equal(withdrawn.json.error.code, 'TABMUX_ERR_UNAUTHORIZED');
  assert.match(withdrawn.json.error.message, /no key/);
});

test('JWKS URL: a flood of tokens with made-up kids costs the provider at most one fetch per cooldown', async (t) => {
  const jwks = await keyServer(t);
  const a = await providerKey('key-a');
  jwks.state.keys = [a.jwk];
  const s = await startServer({ jwtJwksUrl: jwks.url });
  t.after(() => s.close());
  const forged = await providerKey('unused');
  const answers = await Promise.all(
    Array.from({ length: 40 }, async () => {
      const res = await request(`${s.url}/poll?channel=news&timeout=0`, { headers: bearer(await token({ kid: randomUUID(), privateKey: forged.privateKey })) });
      return res.status;
    }),
  );
  assert.deepEqual(new Set(answers), new Set([401]));
  assert.ok(jwks.state.fetches <= 2, `40 unknown kids made ${jwks.state.fetches} fetches`);
  const good = await request(`${s.url}/poll?channel=news&timeout=0`, { headers: bearer(await token(a)) });
  assert.equal(good.status, 200, 'the real key still works');
});

test('JWKS URL: a provider down or answering garbage gives 503 (Retry-After) and WebSocket close 1013, never 401 or a stack', async (t) => {
  const jwks = await keyServer(t);
  const a = await providerKey('key-a');
  jwks.state.keys = [a.jwk];
  for (const answer of ['error', 'garbage'] as const) {
    jwks.state.answer = answer;
    const s = await startServer({ jwtJwksUrl: jwks.url, jwtJwksCooldown: 0 });
    try {
      const res = await request(`${s.url}/poll?channel=news&timeout=0`, { headers: bearer(await token(a)) });
      assert.equal(res.status, 503, `${answer}: ${res.text}`);
      assert.equal(res.json.error.code, 'TABMUX_ERR_UNAVAILABLE');
      assert.ok(res.headers['retry-after'], 'Retry-After is set');
      assert.doesNotMatch(res.text, /at \w+ \(|node:internal/, 'no stack');
      const ws = await openWs(s.url);
      ws.send({ op: 'auth', token: await token(a) });
      const { code } = await withTimeout(ws.closed, WAIT_MS, 'the socket to close');
      assert.equal(code, 1013);
      assert.equal(ws.frames.find((f) => f.op === 'error')?.code, 'TABMUX_ERR_UNAVAILABLE');
      // The provider is back: the same token works on the same node.
      jwks.state.answer = 'keys';
      const back = await request(`${s.url}/poll?channel=news&timeout=0`, { headers: bearer(await token(a)) });
      assert.equal(back.status, 200);
    } finally {
      await s.close();
    }
  }
});

test('JWKS URL: refused when it is not https (except loopback), not a URL, or given with jwtPublicKey', async () => {
  const refuse = (options: Parameters<typeof createPushServer>[0], pattern: RegExp) =>
    assert.throws(() => createPushServer(options), (error: Error & { code?: string }) => error.code === 'TABMUX_ERR_BAD_REQUEST' && pattern.test(error.message));
  refuse({ jwtJwksUrl: 'http://idp.example.com/jwks.json' }, /https/);
  refuse({ jwtJwksUrl: 'not a url' }, /not a URL/);
  refuse({ jwtJwksUrl: 'https://idp.example.com/jwks.json', jwtPublicKey: '{"keys":[]}' }, /exclude each other/);
  refuse({ jwtJwksUrl: 'https://idp.example.com/jwks.json', jwtJwksCooldown: -1 }, /jwtJwksCooldown/);
  const push = createPushServer({ jwtJwksUrl: 'https://idp.example.com/.well-known/jwks.json' });
  await push.close();
});
