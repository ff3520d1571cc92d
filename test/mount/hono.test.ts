/**
 * examples/10-hono: the example's own app (app.js) on a real port, served by @hono/node-server,
 * with tabmux behind `push.fetch` under /realtime and the WebSocket on the Node upgrade path.
 * The push server is this repository's source (the example gets it passed in, as server.js passes
 * tabmux/server's), so no build is needed.
 *
 * Over real sockets: health, a long-poll answered by a publish, the app's own route publishing to
 * an SSE stream, a client that hangs up freeing its subscription (Hono aborts the Request), and
 * the whole mount proof of the other hosts (helpers/mount-proof.ts): SSE and the WebSocket both
 * get a message published through push.fetch, then a graceful close.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import { test } from 'node:test';
import { createPushServer, silentLogger } from '../../server/index.js';
import type { PushServer } from '../../server/index.js';
import { json, openSse, proveMount, stopServer } from '../helpers/mount-proof.js';
import type { Target } from '../helpers/mount-proof.js';
import { readMetric } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';

interface Example {
  readonly PREFIX: string;
  start(push: PushServer, options: { port: number }): Promise<{ server: http.Server; url: string }>;
}

// Imported by URL: a JavaScript example, outside the TypeScript projects.
const example = (await import(new URL('../../examples/10-hono/app.js', import.meta.url).href)) as Example;

test('Hono (examples/10-hono): push.fetch under /realtime + the upgrade on the Node server, graceful close', async (t) => {
  const push = createPushServer({ basePath: example.PREFIX, logger: silentLogger, closeTimeout: 2000 });
  const { server, url } = await example.start(push, { port: 0 });
  t.after(() => push.close());
  t.after(() => server.close());
  const target: Target = { origin: url, prefix: example.PREFIX };

  const health = await json(target, 'GET', '/realtime/health');
  assert.equal(health.status, 200);
  assert.deepEqual(health.body, { status: 'ok' });
  const ws = await json(target, 'GET', '/realtime/ws');
  assert.equal(ws.status, 501, 'a plain GET of /ws reaches push.fetch, which names the upgrade path');
  assert.equal((ws.body as { error: { code: string } }).error.code, 'TABMUX_ERR_NOT_SUPPORTED');

  // Long-poll: waits through Hono until a message comes.
  const first = await json(target, 'GET', '/realtime/poll?channel=jobs&timeout=0');
  const cursor = (first.body as { lastEventId: string }).lastEventId;
  const polling = json(target, 'GET', `/realtime/poll?channel=jobs&timeout=20&lastEventId=${cursor}`);
  await waitFor('the poll to wait', async () => (await readMetric(`${url}/realtime`, 'tabmux_connections', '{transport="poll"}')) === 1);
  const published = await json(target, 'POST', '/realtime/publish', { channel: 'jobs', data: 42 });
  assert.equal(published.status, 200, JSON.stringify(published.body));
  const { id } = published.body as { id: string };
  assert.deepEqual((await polling).body, { messages: [{ channel: 'jobs', id, data: 42 }], lastEventId: id });

  // The app's own route publishes; the SSE stream through push.fetch gets it.
  const orders = await openSse(target, ['orders']);
  await orders.events.next((e) => e.event === '$open', 'the orders stream to be live');
  const order = await json(target, 'POST', '/api/orders', { item: 'tea' });
  assert.equal(order.status, 200);
  const seen = await orders.events.next((e) => e.event === 'orders', 'the order on the SSE stream');
  assert.equal(seen.id, (order.body as { messageId: string }).messageId);
  assert.equal((JSON.parse(seen.data) as { item: string }).item, 'tea');

  // The client hangs up: Hono aborts the Request, and the stream's subscription is let go.
  assert.equal(await readMetric(`${url}/realtime`, 'tabmux_subscriptions'), 1);
  orders.close();
  await waitFor('the hung-up stream to be let go', async () => (await readMetric(`${url}/realtime`, 'tabmux_connections', '{transport="sse"}')) === 0);
  assert.equal(await readMetric(`${url}/realtime`, 'tabmux_subscriptions'), 0);

  await proveMount({ target, push, stopHost: () => stopServer(server) });
});
