/**
 * Graceful close(): stop accepting, tell streaming clients to come back (SSE `retry:` then the
 * stream ends; WebSocket 1012 "service restart"), answer pending polls at once, finish in bounded
 * time even when a client ignores the close.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createPushServer } from '../../server/index.js';
import { mountPushServer } from '../helpers/mounted-server.js';
import { startServer } from '../helpers/server.js';
import { openSse, openWs, publish, request, WAIT_MS } from '../helpers/server-clients.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

test('close(): SSE gets a short retry and ends, WS closes 1012, a pending poll answers, new requests are refused', async () => {
  const s = await startServer({ retry: 5000 });
  const sse = await openSse(`${s.url}/sse?channel=a`);
  await sse.until((c) => c.events.some((e) => e.event === '$open'), '$open');
  const ws = await openWs(s.url);
  ws.send({ op: 'subscribe', channel: 'a' });
  await ws.until((c) => c.frames.some((f) => f.op === 'subscribed'), 'subscribed');
  const cursor = await publish(s.url, 'a', 1);
  await sse.until((c) => c.messages().length === 1, 'one message');
  const pendingPoll = request(`${s.url}/poll?channel=a&lastEventId=${cursor}&timeout=60`, {}, 10_000);
  // The poll is pending once the server counts it (scraped until then, bounded).
  await waitFor('the poll to be pending', async () => /tabmux_connections\{transport="poll"\} 1/.test((await request(`${s.url}/metrics`)).text), WAIT_MS, 0);

  const closing = s.close();
  await withTimeout(sse.ended, WAIT_MS, 'the SSE stream to end');
  assert.equal(sse.retries.length, 2, 'a second retry: hint before the end');
  assert.ok(sse.retries[1]! >= 500 && sse.retries[1]! <= 2000, `short jittered retry, got ${sse.retries[1]}`);
  const { code } = await withTimeout(ws.closed, WAIT_MS, 'the WebSocket close');
  assert.equal(code, 1012);
  const poll = await pendingPoll;
  assert.equal(poll.status, 200);
  assert.deepEqual(poll.json.messages, []);
  assert.equal(poll.json.lastEventId, cursor);
  await withTimeout(closing, WAIT_MS, 'close() to resolve');
  const refused = net.connect(s.port, '127.0.0.1');
  await assert.rejects(new Promise((resolve, reject) => refused.once('connect', resolve).once('error', reject)), /ECONNREFUSED/);
});

test('close() finishes within closeTimeout even when a client never leaves', async () => {
  const s = await startServer({ closeTimeout: 300 });
  // A raw client that holds a half-sent request: it never completes and never closes.
  const socket = net.connect(s.port, '127.0.0.1');
  // A full request first, so the server has surely accepted the connection.
  socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
  await withTimeout(new Promise((resolve) => socket.once('data', resolve)), WAIT_MS, 'the /health answer');
  socket.write('POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"chan');
  const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  await withTimeout(s.close(), 5000, 'close() despite a stuck client');
  await withTimeout(socketClosed, WAIT_MS, 'the stuck client to be cut');
});

test('handleRequest/handleUpgrade mount on an existing http.Server; unknown paths go to next()', async (t) => {
  const { push, url: base, close } = await mountPushServer({}, (res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('the app answers');
  });
  t.after(close);
  assert.equal((await request(`${base}/app/page`)).text, 'the app answers');
  const ws = await openWs(base);
  ws.send({ op: 'subscribe', channel: 'm' });
  await ws.until((c) => c.frames.some((f) => f.op === 'subscribed'), 'subscribed');
  await push.publish('m', { via: 'api' });
  await ws.until((c) => c.messages().length === 1, 'message');
  assert.deepEqual(ws.messages()[0].data, { via: 'api' });
  ws.close();
});

test('while closing (mounted): a new SSE request is told to come back (200 + retry:), a poll gets 503 JSON', async (t) => {
  const { push, url: base, close } = await mountPushServer({ retry: 3000 });
  t.after(close);
  await push.close();
  const sse = await openSse(`${base}/sse?channel=a`);
  await withTimeout(sse.ended, WAIT_MS, 'the come-back stream to end');
  assert.equal(sse.status, 200);
  assert.equal(sse.retries.length, 1);
  assert.ok(sse.retries[0]! >= 500 && sse.retries[0]! <= 2000, `short jittered retry, got ${sse.retries[0]}`);
  assert.equal(sse.events.length, 0);
  const poll = await request(`${base}/poll?channel=a`);
  assert.equal(poll.status, 503);
  assert.equal(poll.json.error.code, 'TABMUX_ERR_UNAVAILABLE');
  assert.equal(poll.headers['retry-after'], '1');
});

test('basePath: every endpoint and the upgrade live under the prefix; other paths go to next()', async (t) => {
  const { url: base, close } = await mountPushServer({ basePath: '/realtime/' }, (res) => {
    res.writeHead(418, { 'Content-Type': 'text/plain' });
    res.end('the app');
  });
  t.after(close);
  assert.equal((await request(`${base}/realtime/health`)).status, 200);
  assert.equal((await request(`${base}/health`)).status, 418, 'outside the prefix: the app answers');
  assert.equal((await request(`${base}/realtimeX/health`)).status, 418, 'a prefix match is per path segment');
  const sse = await openSse(`${base}/realtime/sse?channel=p`);
  t.after(() => sse.close());
  await sse.until((c) => c.events.some((e) => e.event === '$open'), '$open');
  const ws = await openWs(`${base}/realtime`);
  t.after(() => ws.close());
  ws.send({ op: 'subscribe', channel: 'p' });
  await ws.until((c) => c.frames.some((f) => f.op === 'subscribed'), 'subscribed');
  await publish(`${base}/realtime`, 'p', 'hi');
  await sse.until((c) => c.messages().length === 1, 'SSE message');
  await ws.until((c) => c.messages().length === 1, 'WS message');
  assert.throws(() => createPushServer({ basePath: 'no-slash' }), /basePath/);
});
