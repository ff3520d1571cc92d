/**
 * server/sse-socket.ts on a real node:http server: the body written straight to the socket is
 * exactly what `res.write` would have sent — chunked for an HTTP/1.1 client, as is for HTTP/1.0 —
 * an empty write never ends a chunked body early, and each message's chunk is framed once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { ServerResponse } from 'node:http';
import net from 'node:net';
import { chunkOf, SseWriter } from '../../server/sse-socket.js';
import type { ServerContext } from '../../server/context.js';
import { withTimeout } from '../helpers/wait.js';
import { WAIT_MS } from '../helpers/server-clients.js';

/** A server whose one handler writes `parts` through an SseWriter, each flushed alone, then ends; counts its socket's writes. */
async function serve(parts: readonly Buffer[]): Promise<{ url: URL; port: number; writes: () => number; close(): Promise<void> }> {
  let writes = 0;
  const server = http.createServer((_req, res: ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    // push() and flush() read no context: only send() does (the bound), which this test does not use.
    const body = new SseWriter(res, {} as ServerContext, () => assert.fail('no send-buffer bound here'));
    const socket = res.socket!;
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = ((...args: unknown[]) => {
      writes++;
      return write(...args);
    }) as typeof socket.write;
    for (const part of parts) {
      body.push({ bytes: part });
      body.flush();
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}/`), port, writes: () => writes, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const PARTS = [Buffer.from('data: 1\n\n'), Buffer.alloc(0), Buffer.from('data: 2\n\n')];

test('HTTP/1.1: the body is chunked as res.write would chunk it, one socket write per part, and an empty write does not end it', async (t) => {
  const s = await serve(PARTS);
  t.after(() => s.close());
  const response = await withTimeout(fetch(s.url), WAIT_MS, 'the response');
  assert.equal(response.headers.get('transfer-encoding'), 'chunked');
  assert.equal(await withTimeout(response.text(), WAIT_MS, 'the body'), 'data: 1\n\ndata: 2\n\n');
  // The head went before the spy; then one write per non-empty part, and node's own end
  // (`0\r\n\r\n`). Through res.write each part would be four (size, CRLF, bytes, CRLF).
  assert.equal(s.writes(), 3, `${s.writes()} socket writes`);
});

test('HTTP/1.0: no chunking, the bytes as they are until the connection closes', async (t) => {
  const s = await serve(PARTS);
  t.after(() => s.close());
  const socket = net.connect(s.port, '127.0.0.1');
  socket.end('GET / HTTP/1.0\r\nHost: x\r\n\r\n');
  let raw = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (raw += chunk));
  await withTimeout(new Promise((resolve) => socket.on('close', resolve)), WAIT_MS, 'the connection to close');
  const [head, body] = raw.split('\r\n\r\n', 2) as [string, string];
  assert.doesNotMatch(head, /transfer-encoding/i);
  assert.equal(raw.slice(head.length + 4), 'data: 1\n\ndata: 2\n\n');
  assert.equal(body, 'data: 1\n\ndata: 2\n\n');
});

test("a message's chunk is framed once, whatever the number of streams", () => {
  const event = Buffer.from('id: e-1\nevent: news\ndata: {}\n\n');
  const chunk = chunkOf(event);
  assert.equal(chunk.toString('latin1'), `${event.length.toString(16)}\r\n${event.toString('latin1')}\r\n`);
  assert.equal(chunkOf(event), chunk, 'the same Buffer for the same message');
  chunkOf(Buffer.from('data: other\n\n'));
  assert.equal(chunkOf(event), chunk, 'still the same Buffer once another message was framed');
});
