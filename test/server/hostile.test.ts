/**
 * The hostile-input suite (README, section "Auth and limits"): one running server with JWT auth (RS256 public key), a
 * publish key, an origin allow-list and tight limits, and a table of hostile or malformed
 * requests. Each case asserts its status or close code and JSON error code, that the answer
 * carries no stack trace and no token; after each case a well-behaved SSE subscriber and a
 * WebSocket subscriber (authenticated by first frame) on the same server get the next sentinel
 * message, and at the end each has every sentinel message exactly once, in order; no token ever
 * appears in the server's logs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import net from 'node:net';
import nodeHttp from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import { createMemoryBroker } from '../../server/broker/memory.js';
import type { LogFields, Logger } from '../../server/index.js';
import { startServer } from '../helpers/server.js';
import { metric, openSse, openWs, publish, request, WAIT_MS } from '../helpers/server-clients.js';
import { withTimeout } from '../helpers/wait.js';
import type { SseClient, WsClient } from '../helpers/server-clients.js';

const KEY = 'hostile-publish-key-0123456789';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PEM = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ORIGIN = 'http://app.example';
const EVIL = 'http://evil.example';
const AUD = 'tabmux-hostile';
const ISS = 'https://idp.app.example';
const METRICS_KEY = 'hostile-metrics-key-0123456789';

const tokens = new Set<string>();
const now = () => Math.floor(Date.now() / 1000);
interface Claims {
  sub?: string;
  exp?: number | null;
  nbf?: number;
  aud?: string;
  iss?: string;
  tabmux?: unknown;
}
async function sign(claims: Claims, opts: { alg?: string; key?: unknown } = {}): Promise<string> {
  const { exp = now() + 600, aud = AUD, iss = ISS, ...rest } = claims;
  const jwt = new SignJWT({ tabmux: { subscribe: ['news', 'chat:*'], publish: ['chat:*'] }, ...rest }).setProtectedHeader({ alg: opts.alg ?? 'RS256' });
  if (exp !== null) jwt.setExpirationTime(exp);
  if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf);
  jwt.setAudience(aud).setIssuer(iss);
  const token = await jwt.sign((opts.key ?? rsa.privateKey) as Parameters<SignJWT['sign']>[0]);
  tokens.add(token);
  return token;
}
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

interface Outcome {
  status?: number;
  close?: number;
  code: string;
  body: string;
}
interface Case {
  name: string;
  expect: { status?: number; close?: number; code: string; mentions?: string };
  run(url: string, port: number): Promise<Outcome>;
}
const http = async (url: string, init?: Parameters<typeof request>[1]): Promise<Outcome> => {
  const res = await request(url, init);
  return { status: res.status, code: res.json?.error?.code, body: res.text };
};
const ofRaw = (r: { status: number; body: string }): Outcome => ({ status: r.status, code: JSON.parse(r.body).error?.code, body: r.body });
/** A WebSocket that authenticates, then does `act`; resolves with the error frame and, if it closes, the code. */
async function wsCase(url: string, token: string | undefined, act: (ws: WsClient) => void, expectClose: boolean): Promise<Outcome> {
  const ws = await openWs(url, { Origin: ORIGIN });
  try {
    if (token) ws.send({ op: 'auth', token });
    act(ws);
    await ws.until((c) => c.frames.some((f) => f.op === 'error'), 'an op:error frame');
    const error = ws.frames.find((f) => f.op === 'error');
    const close = expectClose ? (await withTimeout(ws.closed, WAIT_MS, 'the server to close the socket')).code : undefined;
    return { close, code: error.code, body: JSON.stringify(error) };
  } finally {
    ws.close();
  }
}
const flood = <T>(n: number, fn: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => fn(i)));

const CASES: Case[] = [
  // ── tokens on SSE ──
  { name: 'SSE without a token', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED' }, run: (u) => http(`${u}/sse?channel=news`) },
  { name: 'SSE with a garbage token', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED' }, run: (u) => http(`${u}/sse?channel=news`, { headers: bearer('not.a.jwt') }) },
  { name: 'SSE with an expired token', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED', mentions: 'expired' }, run: async (u) => http(`${u}/sse?channel=news`, { headers: bearer(await sign({ exp: now() - 3600 })) }) },
  { name: 'SSE with a not-yet-valid token (nbf)', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED', mentions: 'nbf' }, run: async (u) => http(`${u}/sse?channel=news`, { headers: bearer(await sign({ nbf: now() + 3600 })) }) },
  { name: 'alg "none" (unsigned) token', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED' }, run: (u) => http(`${u}/sse?channel=news`, { headers: bearer(track(unsignedToken({ exp: now() + 600, tabmux: { subscribe: ['*'] } }))) }) },
  { name: 'HS256 token signed with the RSA public key as the secret (alg confusion)', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED', mentions: 'algorithm' }, run: async (u) => http(`${u}/sse?channel=news`, { headers: bearer(await sign({}, { alg: 'HS256', key: new TextEncoder().encode(PEM) })) }) },
  { name: 'RS256 token signed by another key', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED', mentions: 'signature' }, run: async (u) => http(`${u}/sse?channel=news`, { headers: bearer(await sign({}, { key: otherRsa.privateKey })) }) },
  { name: 'ES256 token (an algorithm the key does not have)', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED' }, run: async (u) => http(`${u}/sse?channel=news`, { headers: bearer(await sign({}, { alg: 'ES256', key: ec.privateKey })) }) },
  { name: 'token without exp', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED', mentions: 'exp' }, run: async (u) => http(`${u}/sse?channel=news`, { headers: bearer(await sign({ exp: null })) }) },
  { name: 'tampered payload (claims widened, signature kept)', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED' }, run: async (u) => http(`${u}/sse?channel=admin`, { headers: bearer(track(tamper(await sign({})))) }) },
  { name: 'malformed tabmux claim', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED', mentions: 'tabmux claim' }, run: async (u) => http(`${u}/sse?channel=news`, { headers: bearer(await sign({ tabmux: { subscribe: 'news' } })) }) },
  { name: 'oversized token (10 KiB)', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED' }, run: (u) => http(`${u}/sse?channel=news`, { headers: bearer(track('e'.repeat(10_240))) }) },
  { name: 'SSE on a channel the token does not allow', expect: { status: 403, code: 'TABMUX_ERR_FORBIDDEN', mentions: 'admin' }, run: async (u) => http(`${u}/sse?channel=admin`, { headers: bearer(await sign({})) }) },
  { name: 'SSE with one forbidden channel among allowed ones', expect: { status: 403, code: 'TABMUX_ERR_FORBIDDEN', mentions: 'admin' }, run: async (u) => http(`${u}/sse?channel=news&channel=chat:x&channel=admin`, { headers: bearer(await sign({})) }) },
  { name: 'SSE with the token in the query, forbidden channel', expect: { status: 403, code: 'TABMUX_ERR_FORBIDDEN', mentions: 'admin' }, run: async (u) => http(`${u}/sse?channel=admin&token=${await sign({})}`) },
  { name: 'SSE from a foreign Origin carrying the cookie', expect: { status: 403, code: 'TABMUX_ERR_FORBIDDEN' }, run: async (u) => http(`${u}/sse?channel=news`, { headers: { Origin: EVIL, Cookie: `tabmux_token=${await sign({})}` } }) },
  { name: 'prefix pattern does not match a sibling (chat:* vs chatter)', expect: { status: 403, code: 'TABMUX_ERR_FORBIDDEN', mentions: 'chatter' }, run: async (u) => http(`${u}/sse?channel=chatter`, { headers: bearer(await sign({})) }) },
  // ── long-poll ──
  { name: 'poll without a token', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED' }, run: (u) => http(`${u}/poll?channel=news&timeout=0`) },
  { name: 'poll on a forbidden channel', expect: { status: 403, code: 'TABMUX_ERR_FORBIDDEN', mentions: 'admin' }, run: async (u) => http(`${u}/poll?channel=admin&timeout=0`, { headers: bearer(await sign({})) }) },
  // ── WebSocket ──
  { name: 'WS upgrade with a bad token', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED' }, run: (u) => tryWs(u, { Origin: ORIGIN, ...bearer('bad') }) },
  { name: 'WS upgrade from a foreign Origin (cross-site hijacking)', expect: { status: 403, code: 'TABMUX_ERR_FORBIDDEN' }, run: async (u) => tryWs(u, { Origin: EVIL, Cookie: `tabmux_token=${await sign({})}` }) },
  { name: 'WS subscribe before any token', expect: { code: 'TABMUX_ERR_UNAUTHORIZED' }, run: (u) => wsCase(u, undefined, (ws) => ws.send({ op: 'subscribe', channel: 'news' }), false) },
  { name: 'WS auth frame with an expired token', expect: { close: 4001, code: 'TABMUX_ERR_UNAUTHORIZED' }, run: async (u) => wsCase(u, await sign({ exp: now() - 3600 }), () => {}, true) },
  { name: 'WS auth frame with an alg-none token', expect: { close: 4001, code: 'TABMUX_ERR_UNAUTHORIZED' }, run: (u) => wsCase(u, track(unsignedToken({ exp: now() + 60 })), () => {}, true) },
  { name: 'WS subscribe to a forbidden channel', expect: { code: 'TABMUX_ERR_FORBIDDEN', mentions: 'admin' }, run: async (u) => wsCase(u, await sign({}), (ws) => ws.send({ op: 'subscribe', channel: 'admin' }), false) },
  { name: 'WS publish on a channel the token cannot publish to', expect: { code: 'TABMUX_ERR_FORBIDDEN', mentions: 'news' }, run: async (u) => wsCase(u, await sign({}), (ws) => ws.send({ op: 'publish', channel: 'news', data: 1, ref: 1 }), false) },
  { name: 'WS left unauthenticated past authTimeout', expect: { close: 4001, code: 'TABMUX_ERR_UNAUTHORIZED', mentions: 'no token' }, run: (u) => wsCase(u, undefined, () => {}, true) },
  { name: 'WS whose token expires while connected', expect: { close: 4001, code: 'TABMUX_ERR_UNAUTHORIZED', mentions: 'expired' }, run: async (u) => wsCase(u, await sign({ exp: now() + 1 }), (ws) => ws.send({ op: 'subscribe', channel: 'news' }), true) },
  { name: 'WS subscribe/unsubscribe flood on one socket: error frames, then close 4029', expect: { close: 4029, code: 'TABMUX_ERR_RATE_LIMITED', mentions: 'subscribe/unsubscribe' }, run: async (u) => wsCase(u, await sign({}), (ws) => {
    for (let i = 0; i < 150; i++) {
      ws.send({ op: 'subscribe', channel: 'chat:churn' });
      ws.send({ op: 'unsubscribe', channel: 'chat:churn' });
    }
  }, true) },
  { name: 'WS binary frame', expect: { code: 'TABMUX_ERR_BAD_REQUEST' }, run: async (u) => wsCase(u, await sign({}), (ws) => ws.socket.send(Buffer.from([0xff, 0x00]), { binary: true }), false) },
  { name: 'WS frame that is not JSON', expect: { code: 'TABMUX_ERR_BAD_JSON' }, run: async (u) => wsCase(u, await sign({}), (ws) => ws.socket.send('{"op":'), false) },
  { name: 'WS oversized frame (over maxPayload)', expect: { close: 1009, code: 'none' }, run: async (u) => {
    const ws = await openWs(u, { Origin: ORIGIN });
    ws.socket.send('x'.repeat(8192));
    const { code } = await withTimeout(ws.closed, WAIT_MS, 'close 1009');
    return { close: code, code: 'none', body: JSON.stringify(ws.frames) };
  } },
  // ── publish ──
  { name: 'publish with no credential', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED' }, run: (u) => http(`${u}/publish`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"channel":"chat:a","data":1}' }) },
  { name: 'publish with a wrong publish key', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED' }, run: (u) => http(`${u}/publish`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...bearer(track(`${KEY}x`)) }, body: '{"channel":"chat:a","data":1}' }) },
  { name: 'publish on a channel outside the token publish patterns', expect: { status: 403, code: 'TABMUX_ERR_FORBIDDEN', mentions: 'admin' }, run: async (u) => http(`${u}/publish`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...bearer(await sign({})) }, body: '{"channel":"admin","data":1}' }) },
  { name: 'publish with the publish key in ?token= (only Bearer counts)', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED', mentions: 'Bearer' }, run: (u) => http(`${u}/publish?token=${track(KEY)}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"channel":"chat:a","data":1}' }) },
  { name: 'publish with the publish key in the tabmux_token cookie', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED', mentions: 'Bearer' }, run: (u) => http(`${u}/publish`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: `tabmux_token=${KEY}` }, body: '{"channel":"chat:a","data":1}' }) },
  { name: 'publish with a subscribe-only token', expect: { status: 403, code: 'TABMUX_ERR_FORBIDDEN' }, run: async (u) => http(`${u}/publish`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...bearer(await sign({ tabmux: { subscribe: ['*'] } })) }, body: '{"channel":"chat:a","data":1}' }) },
  { name: 'publish with a declared 1 MB body', expect: { status: 413, code: 'TABMUX_ERR_TOO_LARGE' }, run: (u, p) => rawHttp(p, `POST /publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"channel":`).then(ofRaw) },
  { name: 'publish with a chunked body past the limit', expect: { status: 413, code: 'TABMUX_ERR_TOO_LARGE' }, run: (u) => http(`${u}/publish`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', ...bearer(KEY) }, body: `{"channel":"chat:a","data":"${'x'.repeat(5000)}"}` }) },
  { name: 'publish with a non-UTF-8 body', expect: { status: 400, code: 'TABMUX_ERR_BAD_JSON' }, run: (u) => http(`${u}/publish`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...bearer(KEY) }, body: Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d]) }) },
  // 500 levels: as deep as this server's 1 KiB maxMessageSize allows.
  { name: 'publish of a value nested 500 levels deep', expect: { status: 400, code: 'TABMUX_ERR_BAD_JSON', mentions: 'the limit is 64' }, run: (u) => http(`${u}/publish`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...bearer(KEY) }, body: `{"channel":"chat:a","data":${'['.repeat(500)}${']'.repeat(500)}}` }) },
  { name: 'WS publish of a value nested 65 levels deep', expect: { code: 'TABMUX_ERR_BAD_JSON', mentions: 'nests 65 levels' }, run: async (u) => wsCase(u, await sign({}), (ws) => ws.socket.send(`{"op":"publish","channel":"chat:a","ref":1,"data":${'{"a":'.repeat(65)}1${'}'.repeat(65)}}`), false) },
  { name: 'publish as text/plain (CSRF-style simple request)', expect: { status: 415, code: 'TABMUX_ERR_UNSUPPORTED_MEDIA_TYPE' }, run: (u) => http(`${u}/publish`, { method: 'POST', headers: { 'Content-Type': 'text/plain', ...bearer(KEY) }, body: '{"channel":"chat:a","data":1}' }) },
  { name: 'publish flood from one token (rate limit)', expect: { status: 429, code: 'TABMUX_ERR_RATE_LIMITED' }, run: async (u) => {
    const token = await sign({ sub: 'flooder' });
    const all = await flood(30, (i) => request(`${u}/publish`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...bearer(token) }, body: JSON.stringify({ channel: 'chat:flood', data: i }) }));
    const refused = all.find((r) => r.status === 429);
    assert.ok(refused, 'some publishes are refused');
    assert.ok(Number(refused.headers['retry-after']) >= 1, 'Retry-After in whole seconds');
    assert.ok(all.filter((r) => r.status === 200).length >= 10, 'the burst goes through');
    return { status: 429, code: refused.json.error.code, body: refused.text };
  } },
  { name: 'an internal error while the token is in the URL', expect: { status: 500, code: 'TABMUX_ERR_INTERNAL' }, run: async (u) => http(`${u}/publish?token=${await sign({})}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...bearer(await sign({})) }, body: '{"channel":"chat:explode","data":1}' }) },
  // ── HTTP framing and sizes ──
  { name: 'request smuggling: Content-Length with Transfer-Encoding', expect: { status: 400, code: 'TABMUX_ERR_BAD_REQUEST' }, run: (u, p) => rawHttp(p, `POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n`).then(ofRaw) },
  { name: 'request smuggling: two different Content-Length headers', expect: { status: 400, code: 'TABMUX_ERR_BAD_REQUEST' }, run: (u, p) => rawHttp(p, `POST /publish HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\nabc`).then(ofRaw) },
  { name: 'request smuggling: obs-fold continuation line', expect: { status: 400, code: 'TABMUX_ERR_BAD_REQUEST' }, run: (u, p) => rawHttp(p, `GET /health HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n`).then(ofRaw) },
  { name: 'request smuggling: Transfer-Encoding not ending in chunked', expect: { status: 400, code: 'TABMUX_ERR_BAD_REQUEST' }, run: (u, p) => rawHttp(p, `POST /publish HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`).then(ofRaw) },
  { name: 'NUL byte in a header value', expect: { status: 400, code: 'TABMUX_ERR_BAD_REQUEST' }, run: (u, p) => rawHttp(p, `GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n`).then(ofRaw) },
  { name: 'oversized headers (32 KiB)', expect: { status: 431, code: 'TABMUX_ERR_HEADERS_TOO_LARGE' }, run: (u, p) => rawHttp(p, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(32 * 1024)}\r\n\r\n`).then(ofRaw) },
  { name: 'oversized URL', expect: { status: 414, code: 'TABMUX_ERR_URL_TOO_LONG' }, run: (u) => http(`${u}/sse?channel=news&pad=${'a'.repeat(5000)}`) },
  { name: 'oversized URL on the WebSocket upgrade', expect: { status: 414, code: 'TABMUX_ERR_URL_TOO_LONG' }, run: (u) => tryWs(`${u}/ws?pad=${'a'.repeat(5000)}`, { Origin: ORIGIN }) },
  { name: 'slowloris: headers trickled past headersTimeout', expect: { status: 408, code: 'TABMUX_ERR_REQUEST_TIMEOUT' }, run: (u, p) => slowHeaders(p).then(ofRaw) },
  { name: 'path traversal on the static files', expect: { status: 404, code: 'TABMUX_ERR_NOT_FOUND' }, run: (u, p) => rawHttp(p, `GET /tabmux.js/../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`).then(ofRaw) },
  { name: 'TRACE on /sse', expect: { status: 405, code: 'TABMUX_ERR_METHOD_NOT_ALLOWED' }, run: (u) => http(`${u}/sse?channel=news`, { method: 'TRACE' }) },
  { name: 'preflight from a foreign origin', expect: { status: 403, code: 'TABMUX_ERR_FORBIDDEN' }, run: (u) => http(`${u}/publish`, { method: 'OPTIONS', headers: { Origin: EVIL, 'Access-Control-Request-Method': 'POST' } }) },
  { name: 'garbage on the socket of a streaming SSE response: the socket is destroyed, nothing written into the stream', expect: { status: 200, code: 'none' }, run: async (u, p) => {
    const token = await sign({});
    const raw = await rawHttp(p, `GET /sse?channel=news HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${token}\r\n\r\n`, undefined, (text) => text.includes('$open') && '\0\x01garbage\r\n\r\n');
    assert.equal(raw.all.split('HTTP/1.1').length, 2, `one status line, none inside the event stream: ${JSON.stringify(raw.all)}`);
    return { status: raw.status, code: 'none', body: raw.body };
  } },
  { name: 'token for another audience (aud)', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED', mentions: 'aud' }, run: async (u) => http(`${u}/sse?channel=news`, { headers: bearer(await sign({ aud: 'another-app' })) }) },
  { name: 'token from another issuer (iss)', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED', mentions: 'iss' }, run: async (u) => http(`${u}/sse?channel=news`, { headers: bearer(await sign({ iss: 'https://evil.example' })) }) },
  { name: '/metrics without the metrics key', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED', mentions: 'metrics key' }, run: (u) => http(`${u}/metrics`) },
  { name: '/metrics with a subscriber token instead of the metrics key', expect: { status: 401, code: 'TABMUX_ERR_UNAUTHORIZED' }, run: async (u) => http(`${u}/metrics`, { headers: bearer(await sign({})) }) },
  { name: 'SSE streams opened and closed as fast as possible from one address (connection rate)', expect: { status: 429, code: 'TABMUX_ERR_RATE_LIMITED', mentions: 'too fast' }, run: async (u) => {
    // Its own loopback address (any 127/8 is this host), so the flood spends only its own bucket.
    const token = await sign({});
    for (let i = 0; i < 200; i++) {
      const res = await streamHead(`${u}/sse?channel=news`, bearer(token), '127.0.0.7');
      if (res.status === 429) {
        assert.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After');
        assert.ok(i >= 40, `the burst (40) was allowed first; refused at ${i}`);
        return { status: 429, code: JSON.parse(res.body).error.code, body: res.body };
      }
    }
    throw new Error('200 streams in a row from one address were all accepted (rate 20/s, burst 40)');
  } },
  { name: 'WebSocket upgrades as fast as possible from one address (connection rate)', expect: { status: 429, code: 'TABMUX_ERR_RATE_LIMITED', mentions: 'too fast' }, run: async (u) => {
    for (let i = 0; i < 200; i++) {
      const res = await upgradeOutcome(u, '127.0.0.8');
      if (res.status === 429) return { status: 429, code: JSON.parse(res.body).error.code, body: res.body };
      if (res.status !== 101) throw new Error(`upgrade ${i}: ${res.status} ${res.body}`);
    }
    throw new Error('200 upgrades in a row from one address were all accepted (rate 20/s, burst 40)');
  } },
  { name: 'connection flood from one address', expect: { status: 429, code: 'TABMUX_ERR_RATE_LIMITED' }, run: async (u) => {
    const token = await sign({});
    const streams: SseClient[] = [];
    try {
      for (let i = 0; i < 12; i++) {
        const s = await openSse(`${u}/sse?channel=news`, bearer(token));
        streams.push(s);
        if (s.status === 429) {
          assert.ok(Number(s.headers['retry-after']) >= 1, 'Retry-After');
          await s.ended;
          return { status: 429, code: 'TABMUX_ERR_RATE_LIMITED', body: '{}' };
        }
      }
      throw new Error('12 streams from one address were all accepted (limit 8)');
    } finally {
      for (const s of streams) s.close();
    }
  } },
];

/**
 * Raw bytes to the server; the response once it closes the connection. `then` may answer what
 * has arrived so far with more bytes to write, once.
 */
function rawHttp(port: number, text: string, trickle?: string, then?: (received: string) => string | false): Promise<{ status: number; body: string; all: string }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
      const chunks: Buffer[] = [];
      // Slowloris: keep sending one more header line, never the blank line that ends the head.
      const timer = trickle === undefined ? undefined : setInterval(() => socket.writable && socket.write(trickle), 100);
      let answered = false;
      socket.on('data', (c) => {
        chunks.push(c);
        const more = !answered && then?.(Buffer.concat(chunks).toString('utf8'));
        if (more) {
          answered = true;
          socket.write(more);
        }
      });
      socket.on('error', reject);
      socket.on('close', () => {
        clearInterval(timer);
        const all = Buffer.concat(chunks).toString('utf8');
        const [head = '', body = ''] = all.split('\r\n\r\n');
        resolve({ status: Number(head.split(' ')[1]), body, all });
      });
    }),
    WAIT_MS,
    'the server to answer and close',
  );
}
const slowHeaders = (port: number) => rawHttp(port, 'GET /health HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n');

/** A WebSocket upgrade expected to be refused: its status and JSON body. */
function tryWs(url: string, headers: Record<string, string>): Promise<Outcome> {
  const target = `${url.replace(/^http/, 'ws')}${url.includes('/ws') ? '' : '/ws'}`;
  return withTimeout(
    new Promise((resolve, reject) => {
      const socket = new WebSocket(target, { headers });
      socket.on('open', () => {
        socket.terminate();
        reject(new Error('the upgrade was accepted'));
      });
      socket.on('error', () => {});
      socket.on('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, code: JSON.parse(body).error?.code, body });
        });
      });
    }),
    WAIT_MS,
    'the upgrade to be refused',
  );
}

/** An SSE request from `localAddress`: its status, headers and (for a refusal) body; the stream is cut once its head arrives. */
function streamHead(url: string, headers: Record<string, string>, localAddress: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = nodeHttp.get(url, { headers: { Accept: 'text/event-stream', ...headers }, localAddress, agent: false }, (res) => {
        if (res.statusCode === 200) {
          req.destroy();
          return resolve({ status: 200, headers: res.headers, body: '' });
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
    }),
    WAIT_MS,
    `SSE head from ${localAddress}`,
  );
}

/** A WebSocket upgrade from `localAddress`: 101 (then closed), or the refusal's status and body. */
function upgradeOutcome(base: string, localAddress: string): Promise<{ status: number; body: string }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/ws`, { headers: { Origin: ORIGIN }, localAddress });
      socket.once('open', () => {
        socket.terminate();
        resolve({ status: 101, body: '' });
      });
      socket.once('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
      socket.once('error', (error) => reject(error));
    }),
    WAIT_MS,
    `upgrade from ${localAddress}`,
  );
}

/** RFC 7519 §6: an "unsecured JWT" — alg none, empty signature. */
function unsignedToken(payload: object): string {
  const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

function track(token: string): string {
  tokens.add(token);
  return token;
}
function tamper(token: string): string {
  const [h, , s] = token.split('.');
  const body = Buffer.from(JSON.stringify({ exp: now() + 600, tabmux: { subscribe: ['*'], publish: ['*'] } })).toString('base64url');
  return `${h}.${body}.${s}`;
}

test('hostile inputs: every case is refused cleanly while well-behaved subscribers get every message', async (t) => {
  assert.ok(CASES.length >= 40, `at least 40 cases (${CASES.length})`);
  const logs: string[] = [];
  // The server hands errors over as plain objects (type, message, stack): JSON shows all of them.
  const capture = (level: string) => (fields: LogFields, message: string) => logs.push(`${level} ${message} ${JSON.stringify(fields)}`);
  const logger: Logger = { info: capture('info'), warn: capture('warn'), error: capture('error') };
  const inner = createMemoryBroker({ history: 100 });
  const broker = { ...inner, publish: (channel: string, json: string) => (channel === 'chat:explode' ? Promise.reject(new Error('broker exploded')) : inner.publish(channel, json)) };
  const s = await startServer({
    logger, broker, publishKey: KEY, jwtPublicKey: PEM, jwtClockTolerance: 1, allowOrigin: [ORIGIN], authTimeout: 0.5,
    jwtAudience: AUD, jwtIssuer: ISS, metricsKey: METRICS_KEY, connectionRate: 20, connectionBurst: 40,
    maxMessageSize: 1024, maxConnectionsPerIp: 8, publishRate: 5, publishBurst: 10, maxUrlLength: 4096, headersTimeout: 0.5,
  });
  t.after(() => s.close());
  const subToken = await sign({ tabmux: { subscribe: ['sentinel'] } , exp: now() + 3600 });
  const sse = await openSse(`${s.url}/sse?channel=sentinel`, { Origin: ORIGIN, ...bearer(subToken) });
  t.after(() => sse.close());
  await sse.until((c) => c.events.some((e) => e.event === '$open'), 'sentinel SSE $open');
  const ws = await openWs(s.url, { Origin: ORIGIN });
  t.after(() => ws.close());
  ws.send({ op: 'auth', token: subToken });
  ws.send({ op: 'subscribe', channel: 'sentinel' });
  await ws.until((c) => c.frames.some((f) => f.op === 'subscribed'), 'sentinel WS subscribed');

  let sent = 0;
  for (const c of CASES) {
    await t.test(c.name, async () => {
      const out = await withTimeout(c.run(s.url, s.port), 8000, c.name);
      if (c.expect.status !== undefined) assert.equal(out.status, c.expect.status, out.body);
      if (c.expect.close !== undefined) assert.equal(out.close, c.expect.close, out.body);
      assert.equal(out.code, c.expect.code, out.body);
      if (c.expect.mentions) assert.ok(out.body.includes(c.expect.mentions), `the message names ${c.expect.mentions}: ${out.body}`);
      assert.doesNotMatch(out.body, /\n\s+at |node:internal|\.ts:\d+/, 'no stack trace');
      for (const token of tokens) assert.ok(!out.body.includes(token), 'the answer does not echo a token');
      const expected = ++sent;
      await publish(s.url, 'sentinel', expected, bearer(KEY));
      await sse.until((x) => x.messages().length === expected, `SSE sentinel message ${expected}`);
      await ws.until((x) => x.messages().length === expected, `WS sentinel message ${expected}`);
    });
  }
  assert.deepEqual(sse.messages().map((e) => JSON.parse(e.data)), Array.from({ length: sent }, (_, i) => i + 1), 'SSE: every message once, in order');
  assert.deepEqual(ws.messages().map((m) => m.data), Array.from({ length: sent }, (_, i) => i + 1), 'WS: every message once, in order');
  assert.ok(logs.some((l) => l.includes('request failed')), 'the internal error was logged');
  for (const token of tokens) assert.ok(!logs.some((l) => l.includes(token)), 'no token in the logs');
  const refusals = await request(`${s.url}/metrics`, { headers: bearer(METRICS_KEY) });
  for (const limit of ['connections_per_ip', 'publish_rate', 'message_size', 'header_size', 'url_size', 'ws_payload', 'auth_timeout', 'request_timeout', 'ws_control_rate', 'connection_rate']) {
    assert.match(refusals.text, new RegExp(`^tabmux_limit_refusals_total\\{limit="${limit}"\\} [1-9]`, 'm'), `metric for ${limit}`);
  }
  assert.ok((await metric(s.url, 'tabmux_auth_refusals_total{code="unauthorized"}', bearer(METRICS_KEY))) > 0);
});
