/**
 * server/ws-frame.ts writes frames to the socket beside `ws` whenever `directNow()` says `ws`'s
 * sender is idle, and does not read the sender's queue: it relies on `ws` 8 queueing sends only
 * while its sender is busy (reading a Blob, compressing) and emptying that queue before it is idle
 * again. These hold `ws` to that, on a real server and client on port 0, so that an upgrade of
 * `ws` that queued otherwise (or renamed the fields read) fails here, not as frames out of order in
 * the field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { ServerContext } from '../../server/context.js';
import { textFrame, WsWriter } from '../../server/ws-frame.js';

interface SenderInternals {
  readonly _state: number;
  readonly _firstFragment: boolean;
  readonly _bufferedBytes: number;
  readonly _queue: unknown[];
}

function contextWith(maxBufferedBytes: number): ServerContext {
  // Only what the writer reads (context.ts, overBufferBound; WsWriter.deliver's counter).
  return { metrics: { sendBufferPeakBytes: 0, slowConsumersDropped: 0, delivered: 0 }, options: { maxBufferedBytes } } as unknown as ServerContext;
}

/** A server-side `ws` (no permessage-deflate, as ws.ts runs it) and a client that records each text message. */
async function connected(t: { after(fn: () => unknown): void }): Promise<{ server: WebSocket; received: string[]; next(count: number): Promise<void> }> {
  const http1 = http.createServer();
  const wss = new WebSocketServer({ server: http1, perMessageDeflate: false });
  await new Promise<void>((resolve) => http1.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(http1.address() as AddressInfo).port}/`, { perMessageDeflate: false });
  const received: string[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  client.on('message', (data: Buffer) => {
    received.push(data.toString());
    for (const w of waiters.filter((w) => received.length >= w.count)) w.resolve();
  });
  const server = await accepted;
  t.after(async () => {
    client.terminate();
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    await new Promise((resolve) => http1.close(resolve));
  });
  await new Promise((resolve) => client.once('open', resolve));
  return {
    server,
    received,
    next: (count) =>
      new Promise<void>((resolve, reject) => {
        if (received.length >= count) return resolve();
        const timer = setTimeout(() => reject(new Error(`got ${received.length} of ${count} messages: ${received.join(',')}`)), 5000);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      }),
  };
}

const sender = (ws: WebSocket): SenderInternals => (ws as unknown as { _sender: SenderInternals })._sender;

test('ws writes a send of an idle sender at once and queues nothing; the writer then writes beside it', async (t) => {
  const { server, next, received } = await connected(t);
  const s = sender(server);
  assert.equal(typeof s._state, 'number');
  assert.equal(s._firstFragment, true);
  assert.ok(Array.isArray(s._queue));
  server.send('a');
  assert.equal(s._queue.length, 0, 'an idle sender queues nothing');
  assert.equal(s._bufferedBytes, 0);
  const writer = new WsWriter(server, contextWith(1 << 20), () => assert.fail('no overflow'));
  assert.ok(writer.directNow(), 'idle: the writer may write beside ws');
  writer.send(textFrame(Buffer.from('b')));
  writer.flush();
  await next(2);
  assert.deepEqual(received, ['a', 'b']);
});

test('while ws reads a Blob it queues what follows and the writer goes through ws.send; when idle again the queue is empty', async (t) => {
  const { server, next, received } = await connected(t);
  const s = sender(server);
  const writer = new WsWriter(server, contextWith(1 << 20), () => assert.fail('no overflow'));
  server.send(new Blob(['1']));
  assert.notEqual(s._state, 0, 'busy while the Blob is read');
  assert.equal(writer.directNow(), undefined, 'busy: nothing may go beside ws');
  writer.send(textFrame(Buffer.from('2')));
  writer.flush(); // through ws.send: behind the Blob in ws's queue
  server.send('3');
  assert.equal(s._queue.length, 2, 'the sends after the Blob wait in the queue');
  await next(3);
  assert.deepEqual(received, ['1', '2', '3'], 'in the order sent');
  // Idle again: the invariant directNow() relies on instead of reading the queue.
  assert.equal(s._state, 0);
  assert.equal(s._queue.length, 0, 'an idle sender has an empty queue');
  assert.ok(writer.directNow());
  writer.send(textFrame(Buffer.from('4')));
  writer.flush();
  await next(4);
  assert.deepEqual(received, ['1', '2', '3', '4']);
});

test('an open fragmented message keeps the writer off the socket until its last fragment', async (t) => {
  const { server, next, received } = await connected(t);
  const writer = new WsWriter(server, contextWith(1 << 20), () => assert.fail('no overflow'));
  server.send('he', { fin: false });
  assert.equal(sender(server)._firstFragment, false);
  assert.equal(writer.directNow(), undefined, 'a frame beside ws now would land inside the message');
  server.send('llo', { fin: true });
  assert.ok(writer.directNow());
  writer.send(textFrame(Buffer.from('next')));
  writer.flush();
  await next(2);
  assert.deepEqual(received, ['hello', 'next']);
});
