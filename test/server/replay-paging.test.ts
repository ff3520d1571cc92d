/**
 * Replay is read in pages and written at the reader's pace (README, Limits and budgets): a resume
 * across many pages and channels with different cursors gets exactly what it missed, once, in
 * order; clients that resume a large history and never read hold at most a page each, are dropped
 * after drainTimeout and counted as slow consumers, while the node keeps serving.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from '../helpers/server.js';
import { metric, openSse, publish, request } from '../helpers/server-clients.js';
import { startRedisServer } from '../helpers/redis.js';
import { MiB, retainedMemory } from '../helpers/memory.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

test('a resume over many pages and channels with different cursors gets exactly what it missed', async (t) => {
  // maxMessageSize 64 KiB: pages of 16 messages.
  const s = await startServer({ history: 1000 });
  t.after(() => s.close());
  const ids: Record<string, string[]> = { a: [], b: [], c: [] };
  for (let i = 0; i < 300; i++) {
    const channel = ['a', 'b', 'c'][i % 3]!;
    ids[channel]!.push(await publish(s.url, channel, { channel, i }));
  }
  // Cursors far apart: a from its 10th message, b from its 90th, c from an older server run.
  const query = `channel=a&channel=b&channel=c&lastEventId.a=${ids.a![9]}&lastEventId.b=${ids.b![89]}&lastEventId.c=zzzz-1`;
  const sse = await openSse(`${s.url}/sse?${query}`);
  t.after(() => sse.close());
  await sse.until((c) => c.events.some((e) => e.event === '$open'), 'the replay to end');
  const got = sse.messages().map((e) => JSON.parse(e.data) as { channel: string; i: number });
  const expected = Array.from({ length: 300 }, (_, i) => ({ channel: ['a', 'b', 'c'][i % 3]!, i })).filter(
    ({ channel, i }) => (channel === 'a' && i > 27) || (channel === 'b' && i > 268) || channel === 'c',
  );
  assert.deepEqual(got, expected);
  assert.deepEqual(sse.events.filter((e) => e.event === '$reset').map((e) => JSON.parse(e.data).channel), ['c']);
});

/** Asks for a replay on a raw socket and never reads a byte of it. */
function stalledResume(port: number, path: string, lastEventId: string): Promise<net.Socket> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.pause();
        socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nLast-Event-ID: ${lastEventId}\r\n\r\n`, () => resolve(socket));
      });
      socket.on('error', () => {});
      socket.once('error', reject);
    }),
    5000,
    'the stalled client to connect',
  );
}

test('six clients resuming 24 MB of Redis history and never reading: bounded memory, each dropped, the node healthy', async (t) => {
  const redis = await startRedisServer();
  t.after(() => redis.dispose());
  const s = await startServer({ redis: redis.url, history: 1000, drainTimeout: 3 });
  t.after(() => s.close());
  const sentinel = await openSse(`${s.url}/sse?channel=sentinel`);
  t.after(() => sentinel.close());
  await sentinel.until((c) => c.events.some((e) => e.event === '$open'), 'the sentinel stream open');
  const bulk = 'x'.repeat(60 * 1024);
  for (let i = 0; i < 400; i++) await s.server.publish('big', { i, bulk });
  const before = await retainedMemory();

  const sockets = await Promise.all(Array.from({ length: 6 }, () => stalledResume(s.port, '/sse?channel=big', '0-0')));
  t.after(() => sockets.forEach((socket) => socket.destroy()));
  // While they stall, the node serves others.
  await publish(s.url, 'sentinel', 1);
  await sentinel.until((c) => c.messages().length === 1, 'the sentinel message while replays stall');
  // Measured once every replay is under way (a page each written at least), before any is dropped.
  const delivered = await metric(s.url, 'tabmux_messages_delivered_total');
  await waitFor('every stalled replay under way', async () => (await metric(s.url, 'tabmux_messages_delivered_total')) >= delivered + 6 * 16, 5000);
  const during = await retainedMemory();
  assert.equal(await metric(s.url, 'tabmux_slow_consumers_dropped_total'), 0, 'measured before any drop');
  // A paused socket does not see its own close: the server's count is the proof.
  await waitFor('six stalled clients dropped after drainTimeout', async () => (await metric(s.url, 'tabmux_slow_consumers_dropped_total')) === 6, 20_000);
  await waitFor('the dropped streams to leave', async () => (await metric(s.url, 'tabmux_connections{transport="sse"}')) === 1, 5000);

  const growth = during.heapUsed + during.external - (before.heapUsed + before.external);
  t.diagnostic(`retained while stalled +${(growth / MiB).toFixed(1)} MiB, rss +${((during.rss - before.rss) / MiB).toFixed(1)} MiB`);
  assert.ok(growth < 48 * MiB, `retained memory grew ${growth} bytes while six replays stalled`);
  assert.equal((await request(`${s.url}/health`)).status, 200);
  await publish(s.url, 'sentinel', 2);
  await sentinel.until((c) => c.messages().length === 2, 'the sentinel message after the drops');
});
