/**
 * One client stops reading. It must be dropped once its send buffer passes maxBufferedBytes,
 * counted in tabmux_slow_consumers_dropped_total, while 100 subscribers sharing a channel with it
 * keep receiving every message. Memory stays bounded: the largest send buffer any subscriber
 * reached (tabmux_send_buffer_peak_bytes) is at most the bound plus one frame.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setImmediate as turn } from 'node:timers/promises';
import { startServer } from '../helpers/server.js';
import { metric, openSse, openWs, request, WAIT_MS, Waiter } from '../helpers/server-clients.js';
import { withTimeout } from '../helpers/wait.js';
import type { SseClient } from '../helpers/server-clients.js';

const BOUND = 256 * 1024;
const BULK = 'x'.repeat(60 * 1024);
// Loopback kernel buffers can swallow several MiB before Node queues anything: allow 60 MiB.
const MAX_BULK_MESSAGES = 1000;

/** An SSE client on a raw socket that reads until `$open`, then stops reading. */
function stalledSse(port: number, path: string): Promise<net.Socket> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
      let seen = '';
      const onData = (chunk: Buffer) => {
        seen += chunk.toString('latin1');
        if (!seen.includes('event: $open')) return;
        socket.off('data', onData);
        socket.pause();
        resolve(socket);
      };
      socket.on('data', onData);
      socket.on('error', reject);
    }),
    WAIT_MS,
    'the stalled client to open',
  );
}

test('SSE: a client that stops reading is dropped; 100 others on the same channel get every message', async (t) => {
  const s = await startServer({ maxBufferedBytes: BOUND, maxMessageSize: 128 * 1024 });
  t.after(() => s.close());
  const stalled = await stalledSse(s.port, '/sse?channel=ticks&channel=bulk');
  t.after(() => stalled.destroy());
  const others: SseClient[] = [];
  for (let i = 0; i < 100; i++) others.push(await openSse(`${s.url}/sse?channel=ticks`));
  t.after(() => others.forEach((o) => o.close()));
  await Promise.all(others.map((o) => o.until((c) => c.events.some((e) => e.event === '$open'), '$open')));
  assert.equal(await metric(s.url, 'tabmux_connections{transport="sse"}'), 101);

  let ticks = 0;
  let dropped = 0;
  for (let i = 0; i < MAX_BULK_MESSAGES && dropped === 0; i++) {
    await s.server.publish('bulk', BULK);
    await s.server.publish('ticks', ticks++);
    // Let sockets flush (the others read; the stalled one does not).
    await turn();
    if (i % 10 === 0) dropped = await metric(s.url, 'tabmux_slow_consumers_dropped_total');
  }
  dropped = await metric(s.url, 'tabmux_slow_consumers_dropped_total');
  assert.equal(dropped, 1, 'the stalled client was dropped');
  for (let i = 0; i < 5; i++) await s.server.publish('ticks', ticks++);

  await Promise.all(others.map((o, k) => o.until((c) => c.messages().length === ticks, `all ${ticks} ticks on client ${k}`, 20_000)));
  for (const other of others) assert.deepEqual(other.messages().map((e) => Number(e.data)), Array.from({ length: ticks }, (_, i) => i));
  const peak = await metric(s.url, 'tabmux_send_buffer_peak_bytes');
  assert.ok(peak <= BOUND + BULK.length + 1024, `peak send buffer ${peak} stays within the bound plus one frame`);
  assert.equal(await metric(s.url, 'tabmux_connections{transport="sse"}'), 100, 'the dropped client is gone');
});

test('WebSocket: a client that stops reading is terminated and counted; another keeps receiving', async (t) => {
  const s = await startServer({ maxBufferedBytes: BOUND, maxMessageSize: 128 * 1024 });
  t.after(() => s.close());
  const stalled = await openWs(s.url);
  const healthy = await openWs(s.url);
  t.after(() => healthy.close());
  stalled.send({ op: 'subscribe', channel: 'bulk' });
  healthy.send({ op: 'subscribe', channel: 'ticks' });
  stalled.send({ op: 'subscribe', channel: 'ticks' });
  await stalled.until((c) => c.frames.filter((f) => f.op === 'subscribed').length === 2, 'stalled subscribed');
  await healthy.until((c) => c.frames.some((f) => f.op === 'subscribed'), 'healthy subscribed');
  // `ws` exposes no public pause: stop reading at the socket, as a frozen peer would.
  (stalled.socket as unknown as { _socket: net.Socket })._socket.pause();
  const waiter = new Waiter();
  let closed = false;
  void stalled.closed.then(() => {
    closed = true;
    waiter.changed();
  });
  let ticks = 0;
  for (let i = 0; i < MAX_BULK_MESSAGES && (await metric(s.url, 'tabmux_slow_consumers_dropped_total')) === 0; i++) {
    await s.server.publish('bulk', BULK);
    await s.server.publish('ticks', ticks++);
    await turn();
  }
  assert.equal(await metric(s.url, 'tabmux_slow_consumers_dropped_total'), 1);
  (stalled.socket as unknown as { _socket: net.Socket })._socket.resume();
  await waiter.until(() => closed, 'the stalled socket to be closed by the server');
  await healthy.until((c) => c.messages().length === ticks, `all ${ticks} ticks`);
  assert.deepEqual(healthy.messages().map((m) => m.data), Array.from({ length: ticks }, (_, i) => i));
  assert.ok((await metric(s.url, 'tabmux_send_buffer_peak_bytes')) <= BOUND + BULK.length + 1024);
});

test('a replay far larger than maxBufferedBytes is streamed at the client pace, not dropped (SSE, WS, poll pages)', async (t) => {
  const s = await startServer({ maxBufferedBytes: BOUND, maxMessageSize: 128 * 1024, history: 100 });
  t.after(() => s.close());
  const { id: before } = await s.server.publish('big', 'start');
  const COUNT = 60; // 60 × 60 KiB ≈ 3.5 MiB of replay against a 256 KiB bound
  for (let n = 0; n < COUNT; n++) await s.server.publish('big', { n, pad: BULK });

  const sse = await openSse(`${s.url}/sse?channel=big`, { 'Last-Event-ID': before });
  t.after(() => sse.close());
  await sse.until((c) => c.events.some((e) => e.event === '$open'), 'the whole replay and $open', 20_000);
  assert.deepEqual(sse.messages().map((e) => JSON.parse(e.data).n), Array.from({ length: COUNT }, (_, i) => i));

  const ws = await openWs(s.url);
  t.after(() => ws.close());
  ws.send({ op: 'subscribe', channel: 'big', lastEventId: before });
  await ws.until((c) => c.frames.some((f) => f.op === 'subscribed'), 'the whole WS replay', 20_000);
  assert.deepEqual(ws.messages().map((m) => m.data.n), Array.from({ length: COUNT }, (_, i) => i));
  assert.equal(await metric(s.url, 'tabmux_slow_consumers_dropped_total'), 0);

  // Long-poll pages through it: each answer stays near the bound and chains to the next.
  const seen: number[] = [];
  let cursor = before;
  for (let page = 0; page < COUNT && seen.length < COUNT; page++) {
    const res = await request(`${s.url}/poll?channel=big&lastEventId=${cursor}`);
    assert.ok(res.text.length <= BOUND + BULK.length + 1024, `page ${page} is ${res.text.length} bytes`);
    seen.push(...res.json.messages.map((m: { data: { n: number } }) => m.data.n));
    cursor = res.json.lastEventId;
  }
  assert.deepEqual(seen, Array.from({ length: COUNT }, (_, i) => i));
});
