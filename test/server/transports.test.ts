/**
 * Publish → deliver on each transport with a real client: `ws`, long-poll over raw `http`, and
 * `curl -N` (spawned, bounded by --max-time).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';
import { startServer } from '../helpers/server.js';
import { metric, openWs, publish, request, WAIT_MS, Waiter } from '../helpers/server-clients.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

test('WebSocket: subscribe, receive, publish with ack and ref, unsubscribe', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const ws = await openWs(s.url);
  t.after(() => ws.close());
  ws.send({ op: 'subscribe', channel: 'room' });
  await ws.until((c) => c.frames.some((f) => f.op === 'subscribed'), 'subscribed');
  const subscribed = ws.frames.find((f) => f.op === 'subscribed');
  assert.equal(subscribed.channel, 'room');
  assert.match(subscribed.id, /^[0-9a-z]+-[0-9a-z]+$/);
  assert.equal(await metric(s.url, 'tabmux_connections{transport="ws"}'), 1);
  assert.equal(await metric(s.url, 'tabmux_subscriptions'), 1);

  const httpId = await publish(s.url, 'room', { from: 'http' });
  ws.send({ op: 'publish', channel: 'room', data: { from: 'ws' }, ref: 'abc' });
  await ws.until((c) => c.messages().length === 2 && c.frames.some((f) => f.op === 'published'), 'two messages and an ack');
  assert.deepEqual(ws.messages(), [
    { channel: 'room', id: httpId, data: { from: 'http' } },
    { channel: 'room', id: ws.frames.find((f) => f.op === 'published').id, data: { from: 'ws' } },
  ]);
  assert.equal(ws.frames.find((f) => f.op === 'published').ref, 'abc');

  ws.send({ op: 'unsubscribe', channel: 'room' });
  await ws.until((c) => c.frames.some((f) => f.op === 'unsubscribed'), 'unsubscribed');
  assert.equal(await metric(s.url, 'tabmux_subscriptions'), 0);
  assert.equal(await metric(s.url, 'tabmux_channels'), 0, 'the broker subscription is released');
  await publish(s.url, 'room', 'after');
  // A marker on another channel proves the connection still flows; 'after' must not have come.
  ws.send({ op: 'subscribe', channel: 'marker' });
  await ws.until((c) => c.frames.some((f) => f.op === 'subscribed' && f.channel === 'marker'), 'marker subscribed');
  await publish(s.url, 'marker', 'm');
  await ws.until((c) => c.messages().some((m) => m.channel === 'marker'), 'marker message');
  assert.equal(ws.messages().some((m) => m.data === 'after'), false);
});

test('WebSocket: the server pings; a peer that answers stays connected', async (t) => {
  const s = await startServer({ heartbeat: 0.05 });
  t.after(() => s.close());
  const ws = await openWs(s.url);
  t.after(() => ws.close());
  const waiter = new Waiter();
  let pings = 0;
  ws.socket.on('ping', () => {
    pings++;
    waiter.changed();
  });
  await waiter.until(() => pings >= 3, 'three pings');
  assert.equal(ws.socket.readyState, ws.socket.OPEN);
});

test('WebSocket: a peer that never answers pings is cut (dead-peer detection)', async (t) => {
  const s = await startServer({ heartbeat: 0.05 });
  t.after(() => s.close());
  // A raw client: completes the handshake, then never reads nor answers (a vanished peer).
  const socket = net.connect(s.port, '127.0.0.1', () =>
    socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'),
  );
  socket.on('error', () => {});
  let head = '';
  await withTimeout(
    new Promise<void>((resolve) => socket.on('data', (c: Buffer) => (head += c.toString('latin1')).includes('\r\n\r\n') && resolve())),
    WAIT_MS,
    'the 101 answer',
  );
  assert.match(head, /^HTTP\/1\.1 101/);
  await withTimeout(new Promise((resolve) => socket.once('close', resolve)), WAIT_MS, 'the server to cut the silent peer');
  assert.equal(await metric(s.url, 'tabmux_connections{transport="ws"}'), 0);
});

test('long-poll: waits for the next message without a cursor; chains by lastEventId; timeout gives a cursor', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  await publish(s.url, 'q', 'before');
  const waiting = request(`${s.url}/poll?channel=q&channel=r`);
  // Published once the poll holds a subscription (observable in /metrics), so it must be delivered live.
  await waitFor('the poll to be pending', async () => (await metric(s.url, 'tabmux_connections{transport="poll"}')) === 1, WAIT_MS, 0);
  const id = await publish(s.url, 'r', 'first');
  const first = await waiting;
  assert.equal(first.status, 200);
  assert.deepEqual(first.json.messages, [{ channel: 'r', id, data: 'first' }]);
  assert.equal(first.json.lastEventId, id);

  await publish(s.url, 'q', 'second');
  await publish(s.url, 'r', 'third');
  const second = await request(`${s.url}/poll?channel=q&channel=r&lastEventId=${first.json.lastEventId}`);
  assert.deepEqual(second.json.messages.map((m: { data: string }) => m.data), ['second', 'third']);

  const idle = await request(`${s.url}/poll?channel=q&channel=r&lastEventId=${second.json.lastEventId}&timeout=0.2`);
  assert.deepEqual(idle.json.messages, []);
  assert.equal(idle.json.lastEventId, second.json.lastEventId);
  assert.equal(await metric(s.url, 'tabmux_connections{transport="poll"}'), 0);
});

test('curl -N receives the stream as it is written', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const curl = spawn('curl', ['-sS', '-N', '--max-time', '10', `${s.url}/sse?channel=c`], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => curl.kill());
  const events: EventSourceMessage[] = [];
  const waiter = new Waiter();
  const parser = createParser({
    onEvent: (e) => {
      events.push(e);
      waiter.changed();
    },
  });
  curl.stdout.on('data', (c: Buffer) => parser.feed(c.toString()));
  const exited = new Promise<number | null>((resolve) => curl.on('exit', resolve));
  await waiter.until(() => events.some((e) => e.event === '$open'), 'curl to see $open', 10_000);
  await publish(s.url, 'c', { hello: 'curl' });
  await publish(s.url, 'c', [1]);
  await waiter.until(() => events.filter((e) => e.event === 'c').length === 2, 'curl to see two events');
  assert.deepEqual(events.filter((e) => e.event === 'c').map((e) => JSON.parse(e.data)), [{ hello: 'curl' }, [1]]);
  curl.kill();
  await withTimeout(exited, WAIT_MS, 'curl to exit');
});
