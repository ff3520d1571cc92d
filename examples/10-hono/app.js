// Example 10 — tabmux in a Hono app through `push.fetch`, the Fetch API handler (README, "Fetch API
// handler"); server.js runs it on Node with @hono/node-server. The same `app.fetch` runs on Bun or
// Deno, where only the WebSocket (a Node upgrade) is missing: clients then use SSE or long-poll.
// (hono and @hono/node-server are devDependencies of this repo; in your app: npm i hono @hono/node-server.)
import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';

/** Where tabmux lives in the app: give the push server the same `basePath`. */
export const PREFIX = '/realtime';

const page = readFileSync(new URL('./index.html', import.meta.url), 'utf8');

/** The Hono app around `push` (made with `createPushServer({ basePath: PREFIX })`). */
export function createApp(push) {
  const app = new Hono();

  // 1. Every tabmux endpoint under /realtime: SSE streams in the Response body, POST /publish reads
  //    the raw request (mount no body parser before it), /poll, /health, /metrics. The client's
  //    address is passed on for the per-IP limits (behind a proxy: `trustProxy` instead).
  app.all(`${PREFIX}/*`, (c) => push.fetch(c.req.raw, { clientAddress: getConnInfo(c).remote.address }));

  // 2. The app's own routes. Here a backend action that notifies every open tab.
  app.post('/api/orders', async (c) => {
    const body = await c.req.json().catch(() => ({}));
    const { id } = await push.publish('orders', { item: String(body?.item ?? 'coffee'), at: Date.now() });
    return c.json({ ok: true, messageId: id });
  });
  app.get('/', (c) => c.html(page));
  return app;
}

/**
 * Serves the app on Node; resolves once it listens. 3. Hono does not see upgrades: the Node
 * server's 'upgrade' event goes to tabmux, which takes `${PREFIX}/ws` (its basePath) and answers
 * any other path with a 404 (pass a `next` to hand those to another WebSocket server).
 */
export function start(push, { port = 3000, hostname = '127.0.0.1' } = {}) {
  const app = createApp(push);
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname }, (info) => resolve({ server, url: `http://${hostname}:${info.port}` }));
    server.once('error', reject);
    server.on('upgrade', push.handleUpgrade);
  });
}
