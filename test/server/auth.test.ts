/**
 * JWT auth against a running server, the well-behaved side: a valid token works on every
 * transport and by every carrier (header, allowed-origin cookie, query, WebSocket first frame);
 * a stream ends when its token does and resumes with a fresh one without loss; a WebSocket
 * re-authenticates in place; the publish key still publishes; HS256 and JWKS keys work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, SignJWT } from 'jose';
import { startServer } from '../helpers/server.js';
import { openSse, openWs, publish, request } from '../helpers/server-clients.js';
import { withTimeout } from '../helpers/wait.js';

const KEY = 'auth-test-publish-key';
const SECRET = 'an-hs256-secret-of-at-least-32-bytes!';
const ORIGIN = 'http://app.example';
const now = () => Math.floor(Date.now() / 1000);
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

function hs(claims: Record<string, unknown>, exp = now() + 600): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(new TextEncoder().encode(SECRET));
}
const reader = (exp?: number) => hs({ sub: 'reader', tabmux: { subscribe: ['news', 'chat:*'], publish: ['chat:*'] } }, exp);

async function server(t: { after(fn: () => unknown): void }, options = {}) {
  const s = await startServer({ jwtSecret: SECRET, publishKey: KEY, allowOrigin: [ORIGIN], jwtClockTolerance: 0, ...options });
  t.after(() => s.close());
  return s;
}

test('a valid token opens SSE by header, allowed-origin cookie and query; poll; and publishes within its patterns', async (t) => {
  const s = await server(t);
  const token = await reader();
  const byHeader = await openSse(`${s.url}/sse?channel=news&channel=chat:a`, bearer(token));
  const byCookie = await openSse(`${s.url}/sse?channel=news`, { Origin: ORIGIN, Cookie: `other=1; tabmux_token=${token}` });
  const byQuery = await openSse(`${s.url}/sse?channel=news&token=${token}`);
  t.after(() => [byHeader, byCookie, byQuery].forEach((c) => c.close()));
  for (const c of [byHeader, byCookie, byQuery]) {
    assert.equal(c.status, 200);
    await c.until((x) => x.events.some((e) => e.event === '$open'), '$open');
  }
  await publish(s.url, 'news', 'from the backend', bearer(KEY));
  const res = await request(`${s.url}/publish`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...bearer(token) }, body: '{"channel":"chat:a","data":"from a token"}' });
  assert.equal(res.status, 200, res.text);
  await byHeader.until((x) => x.messages().length === 2, 'both messages on the header stream');
  await byCookie.until((x) => x.messages().length === 1, 'news on the cookie stream');
  await byQuery.until((x) => x.messages().length === 1, 'news on the query stream');
  const poll = await request(`${s.url}/poll?channel=news&timeout=0&lastEventId=${byHeader.messages()[0]!.id}`, { headers: bearer(token) });
  assert.equal(poll.status, 200, poll.text);
});

test('WebSocket: token on the upgrade, or in the first frame; frames sent right after auth see it', async (t) => {
  const s = await server(t);
  const token = await reader();
  const upgraded = await openWs(s.url, bearer(token));
  const framed = await openWs(s.url, { Origin: ORIGIN });
  t.after(() => [upgraded, framed].forEach((c) => c.close()));
  framed.send({ op: 'auth', token });
  for (const ws of [upgraded, framed]) ws.send({ op: 'subscribe', channel: 'news' });
  for (const ws of [upgraded, framed]) await ws.until((c) => c.frames.some((f) => f.op === 'subscribed'), 'subscribed');
  framed.send({ op: 'publish', channel: 'chat:x', data: 1, ref: 7 });
  await framed.until((c) => c.frames.some((f) => f.op === 'published' && f.ref === 7), 'published ack');
  await publish(s.url, 'news', 'hi', bearer(KEY));
  for (const ws of [upgraded, framed]) await ws.until((c) => c.messages().length === 1, 'the news message');
  assert.ok(!framed.frames.some((f) => f.op === 'error'), JSON.stringify(framed.frames));
});

test('SSE ends when its token expires; reconnecting with a fresh token and Last-Event-ID loses nothing', async (t) => {
  const s = await server(t);
  // Two to three seconds of life: `exp` is in whole seconds, and `now() + 1` can be a few
  // milliseconds away, so on a loaded machine the stream could end before message 1 arrives.
  const first = await openSse(`${s.url}/sse?channel=news`, bearer(await reader(now() + 3)));
  t.after(() => first.close());
  await first.until((x) => x.events.some((e) => e.event === '$open'), '$open');
  await publish(s.url, 'news', 1, bearer(KEY));
  await first.until((x) => x.messages().length === 1, 'message 1');
  await withTimeout(first.ended, 8000, 'the stream to end at the token expiry');
  await publish(s.url, 'news', 2, bearer(KEY));
  await publish(s.url, 'news', 3, bearer(KEY));
  const lastId = first.events.filter((e) => e.id).at(-1)!.id!;
  const second = await openSse(`${s.url}/sse?channel=news`, { ...bearer(await reader()), 'Last-Event-ID': lastId });
  t.after(() => second.close());
  await second.until((x) => x.messages().length === 2, 'the two messages published meanwhile');
  assert.deepEqual([...first.messages(), ...second.messages()].map((e) => JSON.parse(e.data)), [1, 2, 3]);
});

test('WebSocket re-auth before expiry keeps the socket and the stream; a narrower token drops channels with 403', async (t) => {
  const s = await server(t);
  const ws = await openWs(s.url, { Origin: ORIGIN });
  t.after(() => ws.close());
  const exp = now() + 3; // two to three seconds: see the SSE expiry test
  const short = await reader(exp);
  const endsAt = exp * 1000;
  ws.send({ op: 'auth', token: short });
  ws.send({ op: 'subscribe', channel: 'news' });
  ws.send({ op: 'subscribe', channel: 'chat:a' });
  await ws.until((c) => c.frames.filter((f) => f.op === 'subscribed').length === 2, 'two subscriptions');
  ws.send({ op: 'auth', token: await hs({ tabmux: { subscribe: ['news'] } }) });
  await ws.until((c) => c.frames.some((f) => f.op === 'error'), 'chat:a dropped');
  const dropped = ws.frames.find((f) => f.op === 'error');
  assert.equal(dropped.code, 'TABMUX_ERR_FORBIDDEN');
  assert.equal(dropped.channel, 'chat:a');
  // Publish until well past the first token's end: the socket stays, every message arrives.
  let n = 0;
  while (Date.now() < endsAt + 500) {
    await publish(s.url, 'news', ++n, bearer(KEY));
    await ws.until((c) => c.messages().length === n, `message ${n}`);
  }
  assert.equal(ws.socket.readyState, ws.socket.OPEN, 'still open after the first token expired');
  assert.deepEqual(ws.messages().map((m) => m.data), Array.from({ length: n }, (_, i) => i + 1));
});

test('the publish key still publishes over HTTP and on a WebSocket upgrade while JWT auth is on', async (t) => {
  const s = await server(t);
  const ws = await openWs(s.url, bearer(KEY));
  t.after(() => ws.close());
  ws.send({ op: 'publish', channel: 'anything', data: 1, ref: 1 });
  await ws.until((c) => c.frames.some((f) => f.op === 'published'), 'published by the key');
  ws.send({ op: 'subscribe', channel: 'anything' });
  await ws.until((c) => c.frames.some((f) => f.op === 'error'), 'the key does not subscribe');
  assert.equal(ws.frames.find((f) => f.op === 'error').code, 'TABMUX_ERR_UNAUTHORIZED');
  assert.ok(await publish(s.url, 'anything', 2, bearer(KEY)));
});

test('an ES256 key given as a JWKS verifies its tokens (by kid) and nothing else', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const s = await startServer({ jwtPublicKey: JSON.stringify({ keys: [jwk] }) });
  t.after(() => s.close());
  const token = await new SignJWT({ tabmux: { subscribe: ['*'] } }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setExpirationTime('5m').sign(privateKey);
  const ok = await openSse(`${s.url}/sse?channel=any`, bearer(token));
  t.after(() => ok.close());
  assert.equal(ok.status, 200);
  const forged = await hs({ tabmux: { subscribe: ['*'] } });
  const refused = await request(`${s.url}/sse?channel=any`, { headers: bearer(forged) });
  assert.equal(refused.status, 401, refused.text);
  assert.match(refused.headers['www-authenticate'] ?? '', /Bearer realm="tabmux", error="invalid_token"/);
});

test('the hub script and client are JavaScript, never sniffed; the worker is same-origin only', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const worker = await request(`${s.url}/tabmux-worker.js`);
  assert.equal(worker.status, 200, 'dist/worker.js is built (npm run build)');
  assert.match(worker.headers['content-type'] ?? '', /^text\/javascript/);
  assert.equal(worker.headers['x-content-type-options'], 'nosniff');
  assert.equal(worker.headers['cross-origin-resource-policy'], 'same-origin');
});

test('CORS with credentials never answers *: the allowed origin is echoed; without a list, * and no credentials', async (t) => {
  const s = await server(t);
  const token = await reader();
  const allowed = await request(`${s.url}/poll?channel=news&timeout=0`, { headers: { Origin: ORIGIN, ...bearer(token) } });
  assert.equal(allowed.headers['access-control-allow-origin'], ORIGIN);
  assert.equal(allowed.headers['access-control-allow-credentials'], 'true');
  assert.match(allowed.headers.vary ?? '', /Origin/);
  const preflight = await request(`${s.url}/sse`, { method: 'OPTIONS', headers: { Origin: ORIGIN, 'Access-Control-Request-Headers': 'authorization' } });
  assert.equal(preflight.status, 204);
  assert.notEqual(preflight.headers['access-control-allow-origin'], '*');
  assert.match(preflight.headers['access-control-allow-headers'] ?? '', /Authorization/);
  const open = await startServer();
  t.after(() => open.close());
  const any = await request(`${open.url}/poll?channel=news&timeout=0`, { headers: { Origin: 'http://elsewhere.example' } });
  assert.equal(any.headers['access-control-allow-origin'], '*');
  assert.equal(any.headers['access-control-allow-credentials'], undefined, 'credentials are never allowed with *');
});

test('with jwtAudience and jwtIssuer, a token for another audience or issuer is refused', async (t) => {
  const s = await startServer({ jwtSecret: SECRET, jwtAudience: 'tabmux-prod', jwtIssuer: 'https://id.example' });
  t.after(() => s.close());
  const grant = { tabmux: { subscribe: ['news'] } };
  const good = await hs({ ...grant, aud: 'tabmux-prod', iss: 'https://id.example' });
  const ok = await openSse(`${s.url}/sse?channel=news`, bearer(good));
  t.after(() => ok.close());
  assert.equal(ok.status, 200);
  for (const [claims, claim] of [
    [{ ...grant, aud: 'other-app', iss: 'https://id.example' }, 'aud'],
    [{ ...grant, iss: 'https://id.example' }, 'aud'],
    [{ ...grant, aud: 'tabmux-prod', iss: 'https://evil.example' }, 'iss'],
  ] as const) {
    const res = await request(`${s.url}/sse?channel=news`, { headers: bearer(await hs(claims)) });
    assert.equal(res.status, 401, JSON.stringify(claims));
    assert.equal(res.json.error.code, 'TABMUX_ERR_UNAUTHORIZED');
    assert.match(res.json.error.message, new RegExp(claim));
  }
});
