/**
 * Every bad input gets a JSON error with the right status and code, never a stack trace, and the
 * server keeps serving: after each case a subscriber on another channel still gets its message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from '../helpers/server.js';
import { openSse, openWs, publish, request, WAIT_MS } from '../helpers/server-clients.js';
import { withTimeout } from '../helpers/wait.js';
import type { SseClient } from '../helpers/server-clients.js';

const KEY = 'test-publish-key';
const AUTH = { Authorization: `Bearer ${KEY}` };
const JSON_TYPE = { 'Content-Type': 'application/json' };

/** Sends raw bytes, returns the raw response (status line, headers, body) once the server closes. */
function raw(port: number, text: string | Buffer): Promise<{ status: number; headers: string; body: string }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
      const chunks: Buffer[] = [];
      socket.on('data', (c) => chunks.push(c));
      socket.on('error', reject);
      socket.on('close', () => {
        const all = Buffer.concat(chunks).toString('utf8');
        const [head = '', body = ''] = all.split('\r\n\r\n');
        resolve({ status: Number(head.split(' ')[1]), headers: head, body });
      });
    }),
    WAIT_MS,
    'raw response',
  );
}

function assertJsonError(res: { status: number; text?: string; body?: string }, status: number, code: string): void {
  const text = res.text ?? res.body ?? '';
  assert.equal(res.status, status, text);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  assert.equal(body.error.code, code, text);
  assert.equal(typeof body.error.message, 'string');
  assert.doesNotMatch(body.error.message, /\n\s+at /, 'no stack trace');
}

async function withSentinel(t: { after(fn: () => unknown): void }, options = {}) {
  const s = await startServer({ publishKey: KEY, maxMessageSize: 1024, maxChannelsPerStream: 3, ...options });
  t.after(() => s.close());
  const sentinel = await openSse(`${s.url}/sse?channel=sentinel`);
  t.after(() => sentinel.close());
  await sentinel.until((c) => c.events.some((e) => e.event === '$open'), 'sentinel $open');
  let n = 0;
  /** The server still serves others: a message on another channel still arrives. */
  const stillServing = async (what: string): Promise<void> => {
    const expected = ++n;
    await publish(s.url, 'sentinel', expected, AUTH);
    await sentinel.until((c: SseClient) => c.messages().length === expected, `sentinel message after ${what}`);
  };
  return { s, stillServing };
}

test('publish: every bad request is a JSON error, and others keep receiving', async (t) => {
  const { s, stillServing } = await withSentinel(t);
  const post = (body: string | Buffer, headers: Record<string, string> = { ...JSON_TYPE, ...AUTH }) =>
    request(`${s.url}/publish`, { method: 'POST', headers, body });
  const cases: [string, () => Promise<{ status: number; text: string }>, number, string][] = [
    ['no publish key', () => post('{"channel":"a","data":1}', JSON_TYPE), 401, 'TABMUX_ERR_UNAUTHORIZED'],
    ['wrong publish key', () => post('{"channel":"a","data":1}', { ...JSON_TYPE, Authorization: 'Bearer nope' }), 401, 'TABMUX_ERR_UNAUTHORIZED'],
    ['text/plain body', () => post('{"channel":"a","data":1}', { 'Content-Type': 'text/plain', ...AUTH }), 415, 'TABMUX_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['no content type', () => post('{"channel":"a","data":1}', AUTH), 415, 'TABMUX_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['malformed JSON', () => post('{"channel":"a",'), 400, 'TABMUX_ERR_BAD_JSON'],
    ['JSON that is not an object', () => post('[1,2]'), 400, 'TABMUX_ERR_BAD_JSON'],
    ['missing data', () => post('{"channel":"a"}'), 400, 'TABMUX_ERR_BAD_JSON'],
    ['bad channel characters', () => post('{"channel":"a b","data":1}'), 400, 'TABMUX_ERR_BAD_CHANNEL'],
    ['channel of 201 characters', () => post(JSON.stringify({ channel: 'x'.repeat(201), data: 1 })), 400, 'TABMUX_ERR_BAD_CHANNEL'],
    ['channel not a string', () => post('{"channel":5,"data":1}'), 400, 'TABMUX_ERR_BAD_CHANNEL'],
    ['value over maxMessageSize', () => post(JSON.stringify({ channel: 'a', data: 'x'.repeat(1100) })), 413, 'TABMUX_ERR_TOO_LARGE'],
    ['body far over the limit (Content-Length)', () => post(JSON.stringify({ channel: 'a', data: 'x'.repeat(200_000) })), 413, 'TABMUX_ERR_TOO_LARGE'],
    ['wrong method', () => request(`${s.url}/publish`, { method: 'PUT', headers: JSON_TYPE, body: '{}' }), 405, 'TABMUX_ERR_METHOD_NOT_ALLOWED'],
    ['unknown path', () => request(`${s.url}/nope`), 404, 'TABMUX_ERR_NOT_FOUND'],
  ];
  for (const [what, send, status, code] of cases) {
    const res = await send();
    assertJsonError(res, status, code);
    if (status === 405) assert.equal((res as { headers?: Record<string, unknown> }).headers?.allow, 'POST, OPTIONS');
    await stillServing(what);
  }
});

test('sse and poll: bad channels, cursors, limits and methods are JSON errors', async (t) => {
  const { s, stillServing } = await withSentinel(t);
  const cases: [string, string, Record<string, string>, number, string][] = [
    ['no channel', '/sse', {}, 400, 'TABMUX_ERR_BAD_REQUEST'],
    ['bad channel', '/sse?channel=a%0Aevent:x', {}, 400, 'TABMUX_ERR_BAD_CHANNEL'],
    ['too many channels', '/sse?channel=a&channel=b&channel=c&channel=d', {}, 400, 'TABMUX_ERR_TOO_MANY_CHANNELS'],
    ['malformed Last-Event-ID', '/sse?channel=a', { 'Last-Event-ID': 'not an id' }, 400, 'TABMUX_ERR_BAD_EVENT_ID'],
    ['malformed lastEventId', '/poll?channel=a&lastEventId=ABC-1', {}, 400, 'TABMUX_ERR_BAD_EVENT_ID'],
    ['malformed per-channel cursor', '/poll?channel=a&lastEventId.a=x', {}, 400, 'TABMUX_ERR_BAD_EVENT_ID'],
    ['bad poll timeout', '/poll?channel=a&timeout=9999', {}, 400, 'TABMUX_ERR_BAD_REQUEST'],
    ['non-numeric poll timeout', '/poll?channel=a&timeout=soon', {}, 400, 'TABMUX_ERR_BAD_REQUEST'],
    ['/ws without upgrade', '/ws', {}, 400, 'TABMUX_ERR_BAD_REQUEST'],
  ];
  for (const [what, path, headers, status, code] of cases) {
    assertJsonError(await request(`${s.url}${path}`, { headers }), status, code);
    await stillServing(what);
  }
  assertJsonError(await request(`${s.url}/sse?channel=a`, { method: 'POST' }), 405, 'TABMUX_ERR_METHOD_NOT_ALLOWED');
  await stillServing('POST /sse');
});

test('oversized headers (431), malformed HTTP and refused upgrades answer JSON on the raw socket', async (t) => {
  const { s, stillServing } = await withSentinel(t);
  const big = await raw(s.port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`);
  assertJsonError(big, 431, 'TABMUX_ERR_HEADERS_TOO_LARGE');
  assert.match(big.headers, /content-type: application\/json/i);
  await stillServing('431');
  assertJsonError(await raw(s.port, 'GARBAGE\r\n\r\n'), 400, 'TABMUX_ERR_BAD_REQUEST');
  await stillServing('malformed HTTP');
  const upgrade = (path: string, key = 'dGhlIHNhbXBsZSBub25jZQ==') =>
    raw(s.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  assertJsonError(await upgrade('/elsewhere'), 404, 'TABMUX_ERR_NOT_FOUND');
  await stillServing('upgrade on an unknown path');
  assertJsonError(await upgrade('/ws', 'short'), 400, 'TABMUX_ERR_BAD_REQUEST');
  await stillServing('upgrade with a bad key');
});

test('WebSocket: bad frames answer op:error and keep the socket; others keep receiving', async (t) => {
  const { s, stillServing } = await withSentinel(t);
  const ws = await openWs(s.url);
  t.after(() => ws.close());
  const errors = () => ws.frames.filter((f) => f.op === 'error');
  const cases: [string, () => void, string][] = [
    ['not JSON', () => ws.socket.send('{nope'), 'TABMUX_ERR_BAD_JSON'],
    ['not an object', () => ws.send([1]), 'TABMUX_ERR_BAD_JSON'],
    ['binary frame', () => ws.socket.send(Buffer.from('{}'), { binary: true }), 'TABMUX_ERR_BAD_REQUEST'],
    ['unknown op', () => ws.send({ op: 'dance', ref: 7 }), 'TABMUX_ERR_BAD_REQUEST'],
    ['bad channel', () => ws.send({ op: 'subscribe', channel: '' }), 'TABMUX_ERR_BAD_CHANNEL'],
    ['bad lastEventId', () => ws.send({ op: 'subscribe', channel: 'a', lastEventId: 'zz' }), 'TABMUX_ERR_BAD_EVENT_ID'],
    ['publish without the key', () => ws.send({ op: 'publish', channel: 'a', data: 1, ref: 'r1' }), 'TABMUX_ERR_UNAUTHORIZED'],
  ];
  for (const [what, send, code] of cases) {
    const before = errors().length;
    send();
    await ws.until(() => errors().length === before + 1, `op:error for ${what}`);
    assert.equal(errors().at(-1).code, code, what);
    assert.equal(ws.socket.readyState, ws.socket.OPEN, `socket still open after ${what}`);
    await stillServing(`ws ${what}`);
  }
  assert.equal(errors()[3].ref, 7, 'the ref is echoed');
  assert.equal(errors()[6].ref, 'r1', 'the ref is echoed');

  // With the key on the upgrade: too large and too many channels.
  const keyed = await openWs(s.url, AUTH);
  t.after(() => keyed.close());
  keyed.send({ op: 'publish', channel: 'a', data: 'x'.repeat(1100), ref: 1 });
  await keyed.until((c) => c.frames.some((f) => f.op === 'error'), 'op:error for a large publish');
  assert.equal(keyed.frames[0].code, 'TABMUX_ERR_TOO_LARGE');
  for (const channel of ['c1', 'c2', 'c3', 'c4']) keyed.send({ op: 'subscribe', channel });
  await keyed.until((c) => c.frames.filter((f) => f.op === 'error').length === 2, 'op:error for a 4th channel');
  assert.equal(keyed.frames.filter((f) => f.op === 'error')[1].code, 'TABMUX_ERR_TOO_MANY_CHANNELS');
  keyed.send({ op: 'publish', channel: 'c1', data: 'ok', ref: 2 });
  await keyed.until((c) => c.frames.some((f) => f.op === 'published' && f.ref === 2), 'publish ack');
  await stillServing('ws limits');
});

test('a failing broker is a 500 without detail (logged), an unhealthy one a 503; the server keeps serving', async (t) => {
  const { createMemoryBroker } = await import('../../server/broker/memory.js');
  const inner = createMemoryBroker({ history: 10 });
  let healthy = true;
  const logged: unknown[] = [];
  const broker = {
    ...inner,
    publish: (channel: string, json: string) => (channel === 'boom' ? Promise.reject(new Error('secret detail /etc/passwd')) : inner.publish(channel, json)),
    health: () => (healthy ? { ok: true } : { ok: false, reason: 'broker unreachable' }),
  };
  const logger = { info: () => {}, warn: () => {}, error: (f: unknown) => logged.push(f) };
  const { s, stillServing } = await withSentinel(t, { broker, logger });
  const res = await request(`${s.url}/publish`, { method: 'POST', headers: { ...JSON_TYPE, ...AUTH }, body: '{"channel":"boom","data":1}' });
  assertJsonError(res, 500, 'TABMUX_ERR_INTERNAL');
  assert.doesNotMatch(res.text, /secret|passwd/);
  assert.equal(logged.length, 1, 'the failure is logged server-side');
  await stillServing('a broker failure');
  healthy = false;
  assertJsonError(await request(`${s.url}/health`), 503, 'TABMUX_ERR_UNAVAILABLE');
  assertJsonError(await request(`${s.url}/publish`, { method: 'POST', headers: { ...JSON_TYPE, ...AUTH }, body: '{"channel":"a","data":1}' }), 503, 'TABMUX_ERR_UNAVAILABLE');
  healthy = true;
  assert.equal((await request(`${s.url}/health`)).status, 200);
  await stillServing('recovery');
});

test('a broker that cannot replay: poll 503, WebSocket op:error, SSE cut (so EventSource retries); nothing leaks', async (t) => {
  const { createMemoryBroker } = await import('../../server/broker/memory.js');
  const { PushError } = await import('../../server/errors.js');
  const inner = createMemoryBroker({ history: 10 });
  let down = false;
  const broker = {
    ...inner,
    replay: (requests: Parameters<typeof inner.replay>[0]) =>
      down ? Promise.reject(new PushError('TABMUX_ERR_UNAVAILABLE', 'broker unreachable')) : inner.replay(requests),
  };
  const { s, stillServing } = await withSentinel(t, { broker });
  down = true;
  assertJsonError(await request(`${s.url}/poll?channel=x`), 503, 'TABMUX_ERR_UNAVAILABLE');
  const ws = await openWs(s.url);
  t.after(() => ws.close());
  ws.send({ op: 'subscribe', channel: 'x' });
  await ws.until((c) => c.frames.some((f) => f.op === 'error'), 'op:error');
  assert.equal(ws.frames[0].code, 'TABMUX_ERR_UNAVAILABLE');
  const sse = await openSse(`${s.url}/sse?channel=x`);
  await withTimeout(sse.ended, WAIT_MS, 'the SSE stream to be cut');
  assert.equal(sse.status, 200, 'headers first: a cut stream, which an EventSource retries');
  const metrics = (await request(`${s.url}/metrics`)).text;
  assert.match(metrics, /^tabmux_subscriptions 1$/m, 'only the sentinel holds a subscription');
  assert.match(metrics, /^tabmux_channels 1$/m, 'no channel left subscribed at the broker');
  down = false;
  await stillServing('broker recovery');
});
