/**
 * server/fetch-bridge.ts on its own, with node handlers written for the test: the promise
 * resolves at the response head while the body is still being written; a write the reader has no
 * room for makes `write()` return false, and 'drain' comes once the reader pulls (a socket's
 * backpressure, which the slow-consumer bound and the paced replay rely on); the request body
 * reaches the handler chunk by chunk as the client sends it; null-body answers have no body.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BODY_HIGH_WATER_MARK, serveThroughNode } from '../../server/fetch-bridge.js';
import type { NodeHandler } from '../../server/fetch-bridge.js';
import { withTimeout } from '../helpers/wait.js';
import { WAIT_MS } from '../helpers/server-clients.js';

function serve(handler: NodeHandler, init: RequestInit = {}, address?: string): Promise<Response> {
  const request = new Request('http://bridge.test/path?q=1', init);
  return withTimeout(serveThroughNode(handler, request, new URL(request.url), address), WAIT_MS, 'the response head');
}

test('the Response resolves at writeHead, and each write reaches the body as it is made', async () => {
  let res!: ServerResponse;
  let seen!: IncomingMessage;
  const response = await serve(
    (req, r) => {
      seen = req;
      res = r;
      r.writeHead(201, { 'Content-Type': 'text/plain', 'X-Many': ['a', 'b'], Connection: 'close' });
    },
    { headers: { 'X-Test': 'yes' } },
    '192.0.2.9',
  );
  assert.equal(seen.method, 'GET');
  assert.equal(seen.url, '/path?q=1');
  assert.equal(seen.headers['x-test'], 'yes');
  assert.equal(seen.headers.host, 'bridge.test', 'Host from the URL when the Request has none');
  assert.equal(seen.socket.remoteAddress, '192.0.2.9');
  assert.equal(response.status, 201);
  assert.equal(response.headers.get('x-many'), 'a, b');
  assert.equal(response.headers.get('connection'), null, 'connection-specific fields are the runtime\'s');
  const reader = response.body!.getReader();
  res.write('one');
  assert.equal(new TextDecoder().decode((await reader.read()).value), 'one', 'the first write arrives before the response ends');
  res.end('two');
  assert.equal(new TextDecoder().decode((await reader.read()).value), 'two');
  assert.equal((await reader.read()).done, true);
});

test('writeHead takes the head as node also does, a flat list of names and values (the publish answer is written so)', async () => {
  const response = await serve((_req, r) => {
    r.writeHead(200, ['Content-Type', 'application/json; charset=utf-8', 'X-Many', 'a', 'X-Many', 'b', 'Connection', 'close']).end('{"id":"1"}');
  });
  assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(response.headers.get('x-many'), 'a, b', 'a repeated name keeps every value');
  assert.equal(response.headers.get('connection'), null);
  assert.deepEqual(await response.json(), { id: '1' });
});

test('backpressure: write() returns false once the body is full, and drain comes when the reader pulls', async () => {
  let res!: ServerResponse;
  const response = await serve((_req, r) => {
    res = r;
    r.writeHead(200);
  });
  const chunk = Buffer.alloc(4096, 'x');
  let written = 0;
  while (res.write(chunk)) {
    written += chunk.length;
    assert.ok(written < 1024 * 1024, 'write() never returned false');
  }
  // The body's queue (BODY_HIGH_WATER_MARK) and the Writable's buffer (16 KiB) are both full.
  assert.ok(written >= BODY_HIGH_WATER_MARK, `${written} bytes taken before the first false`);
  assert.ok(res.writableNeedDrain);
  assert.ok(res.writableLength > 0, 'what waits counts in writableLength (the slow-consumer bound reads it)');
  const drained = once(res, 'drain');
  const reader = response.body!.getReader();
  let read = 0;
  const reading = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.length;
    }
  })();
  await withTimeout(drained, WAIT_MS, "'drain' after the reader pulled");
  res.end();
  await reading;
  assert.equal(read, written + chunk.length, 'every byte arrived once, in full');
});

test('the request body reaches the handler chunk by chunk, as the client sends it', async () => {
  let send!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (controller) => void (send = controller) });
  const chunks: string[] = [];
  const got: (() => void)[] = [];
  let req!: IncomingMessage;
  const responded = serve(
    (r, res) => {
      req = r;
      r.on('data', (chunk: Buffer) => {
        chunks.push(String(chunk));
        got.shift()?.();
      });
      r.on('end', () => res.end(chunks.join('|')));
    },
    { method: 'POST', body, duplex: 'half' } as RequestInit,
  );
  const next = () => new Promise<void>((resolve) => got.push(resolve));
  let arrived = next();
  send.enqueue(new TextEncoder().encode('first'));
  await withTimeout(arrived, WAIT_MS, 'the first chunk, before the second is sent');
  assert.equal(req.complete, false);
  arrived = next();
  send.enqueue(new TextEncoder().encode('second'));
  await withTimeout(arrived, WAIT_MS, 'the second chunk');
  send.close();
  const response = await responded;
  assert.equal(await response.text(), 'first|second');
  assert.equal(req.complete, true);
});

test('null-body answers: HEAD and 304 resolve with a null body, whatever the handler writes', async () => {
  const head = await serve((_req, res) => res.writeHead(200, { 'Content-Length': '5' }).end('hello'), { method: 'HEAD' });
  assert.equal(head.body, null);
  assert.equal(head.headers.get('content-length'), '5');
  const notModified = await serve((_req, res) => res.writeHead(304, { ETag: '"x"' }).end());
  assert.equal(notModified.status, 304);
  assert.equal(notModified.body, null);
});

test('a handler that ends without writeHead answers 200; one destroyed before its head rejects', async () => {
  const plain = await serve((_req, res) => res.end('done'));
  assert.equal(plain.status, 200);
  assert.equal(await plain.text(), 'done');
  let closed: Promise<unknown> | undefined;
  await assert.rejects(
    serve((_req, res) => {
      closed = once(res, 'close');
      res.destroy();
    }),
    /destroyed before its head/,
  );
  await withTimeout(closed!, WAIT_MS, "the response's 'close'");
});
