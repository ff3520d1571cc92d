import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer } from '../helpers/server.js';
import { sseEvent } from '../../server/encode.js';
import { openSse, publish, request } from '../helpers/server-clients.js';

const PINNED = [
  'tabmux_connections',
  'tabmux_subscriptions',
  'tabmux_messages_published_total',
  'tabmux_messages_delivered_total',
  'tabmux_slow_consumers_dropped_total',
];

test('/metrics: Prometheus text with HELP/TYPE for every pinned name, and counts that move', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const sse1 = await openSse(`${s.url}/sse?channel=a&channel=b`);
  const sse2 = await openSse(`${s.url}/sse?channel=a`);
  t.after(() => [sse1, sse2].forEach((c) => c.close()));
  for (const c of [sse1, sse2]) await c.until((x) => x.events.some((e) => e.event === '$open'), '$open');
  await publish(s.url, 'a', 1);
  await publish(s.url, 'b', 2);
  await sse1.until((c) => c.messages().length === 2, 'two on sse1');
  await sse2.until((c) => c.messages().length === 1, 'one on sse2');
  const res = await request(`${s.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  for (const name of PINNED) {
    assert.match(res.text, new RegExp(`^# HELP ${name} .+$`, 'm'), `HELP ${name}`);
    assert.match(res.text, new RegExp(`^# TYPE ${name} (counter|gauge)$`, 'm'), `TYPE ${name}`);
  }
  const value = (sample: string) => Number(res.text.split('\n').find((l) => l.startsWith(`${sample} `))!.split(' ')[1]);
  assert.equal(value('tabmux_connections{transport="sse"}'), 2);
  assert.equal(value('tabmux_connections{transport="ws"}'), 0);
  assert.equal(value('tabmux_connections{transport="poll"}'), 0);
  assert.equal(value('tabmux_subscriptions'), 3);
  assert.equal(value('tabmux_channels'), 2, 'one broker subscription per channel, however many streams');
  assert.equal(value('tabmux_messages_published_total'), 2);
  assert.equal(value('tabmux_messages_delivered_total'), 3);
  assert.equal(value('tabmux_slow_consumers_dropped_total'), 0);
});

test('/health is 200 JSON while the broker is healthy', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const res = await request(`${s.url}/health`);
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, { status: 'ok' });
});

test('static files: served with type, nosniff and no-cache once built; a clear JSON 404 before', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
  for (const [path, file, type] of [
    ['/', 'demo/index.html', 'text/html; charset=utf-8'],
    ['/tabmux.js', 'index.js', 'text/javascript; charset=utf-8'],
    ['/tabmux-worker.js', 'worker.js', 'text/javascript; charset=utf-8'],
  ] as const) {
    const res = await request(`${s.url}${path}`);
    if (existsSync(`${dist}${file}`)) {
      assert.equal(res.status, 200, path);
      assert.equal(res.headers['content-type'], type, path);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['cache-control'], 'no-cache');
    } else {
      assert.equal(res.status, 404, path);
      assert.equal(res.json.error.code, 'TABMUX_ERR_NOT_FOUND');
      assert.match(res.json.error.message, /not built yet: run npm run build/);
    }
  }
});

test('sseEvent writes multi-line data one data: line each and refuses CR/LF/NUL in id and event', () => {
  assert.equal(sseEvent({ id: 'e-1', event: 'a', data: 'x\ny\r\nz\rw' }), 'id: e-1\nevent: a\ndata: x\ndata: y\ndata: z\ndata: w\n\n');
  assert.throws(() => sseEvent({ id: 'e-1\nevent: forged', data: '' }), /CR, LF or NUL/);
  assert.throws(() => sseEvent({ event: 'a\rb', data: '' }), /CR, LF or NUL/);
  assert.throws(() => sseEvent({ id: 'a\0', data: '' }), /CR, LF or NUL/);
});

test('listen() on a port in use rejects with EADDRINUSE and can be retried', async (t) => {
  const { createPushServer, silentLogger } = await import('../../server/index.js');
  const taken = await startServer();
  t.after(() => taken.close());
  const push = createPushServer({ logger: silentLogger });
  t.after(() => push.close());
  await assert.rejects(push.listen(taken.port, '127.0.0.1'), { code: 'EADDRINUSE' });
  const { port } = await push.listen(0, '127.0.0.1');
  assert.equal((await request(`http://127.0.0.1:${port}/health`)).status, 200);
});
