/**
 * `handleUpgrade(req, socket, head, next)`: mounted on one http.Server beside another `ws`
 * WebSocketServer, tabmux answers upgrades for its /ws and hands every other one to `next()`
 * untouched, so the app's own WebSocket keeps working. Without `next`, other paths are refused
 * with the JSON 404 as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { createPushServer, silentLogger } from '../../server/index.js';
import type { PushServer } from '../../server/index.js';
import { WAIT_MS } from '../helpers/server-clients.js';
import { withTimeout } from '../helpers/wait.js';

interface Setup {
  readonly base: string;
  readonly push: PushServer;
  close(): Promise<void>;
}

/** One http.Server: tabmux on /ws, an echo WebSocketServer for whatever tabmux passes on. */
async function setup(withNext: boolean, basePath?: string): Promise<Setup> {
  const push = createPushServer({ logger: silentLogger, closeTimeout: 2000, ...(basePath ? { basePath } : {}) });
  const echo = new WebSocketServer({ noServer: true });
  echo.on('connection', (ws, req) => ws.on('message', (data) => ws.send(`echo ${req.url}: ${data.toString()}`)));
  const server = http.createServer((req, res) => push.handleRequest(req, res));
  server.on('upgrade', (req, socket, head) => {
    if (!withNext) return push.handleUpgrade(req, socket, head);
    push.handleUpgrade(req, socket, head, () => echo.handleUpgrade(req, socket, head, (ws) => echo.emit('connection', ws, req)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    push,
    close: async () => {
      for (const client of echo.clients) client.terminate();
      echo.close();
      await push.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Opens a WebSocket: resolves with it once open, or with the refusal's status and body. */
function connect(url: string): Promise<{ ws: WebSocket } | { status: number; body: string }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('open', () => resolve({ ws }));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.once('error', reject);
    }),
    WAIT_MS,
    `WebSocket ${url}`,
  );
}

function reply(ws: WebSocket, send: string): Promise<string> {
  return withTimeout(
    new Promise((resolve) => {
      ws.once('message', (data) => resolve(data.toString()));
      ws.send(send);
    }),
    WAIT_MS,
    `a reply to ${send}`,
  );
}

test('with next(): the other app\'s WebSocket path reaches it, tabmux\'s /ws still works', async (t) => {
  const s = await setup(true);
  t.after(() => s.close());
  const other = await connect(`${s.base}/app-socket`);
  assert.ok('ws' in other, `the app's WebSocket opened (got ${JSON.stringify(other)})`);
  assert.equal(await reply(other.ws, 'hi'), 'echo /app-socket: hi');
  other.ws.close();

  const ours = await connect(`${s.base}/ws`);
  assert.ok('ws' in ours, 'tabmux /ws opened');
  ours.ws.send(JSON.stringify({ op: 'subscribe', channel: 'news' }));
  const subscribed = await withTimeout(new Promise<string>((resolve) => ours.ws.once('message', (d) => resolve(d.toString()))), WAIT_MS, 'subscribed');
  assert.equal(JSON.parse(subscribed).op, 'subscribed');
  const message = withTimeout(new Promise<string>((resolve) => ours.ws.once('message', (d) => resolve(d.toString()))), WAIT_MS, 'the message');
  await s.push.publish('news', { n: 1 });
  assert.deepEqual(JSON.parse(await message).data, { n: 1 });
  ours.ws.close();
});

test('with next() and a basePath: only <basePath>/ws is tabmux\'s, even /ws goes to the app', async (t) => {
  const s = await setup(true, '/realtime');
  t.after(() => s.close());
  const bare = await connect(`${s.base}/ws`);
  assert.ok('ws' in bare);
  assert.equal(await reply(bare.ws, 'x'), 'echo /ws: x', '/ws outside the prefix is the app\'s');
  bare.ws.close();
  const ours = await connect(`${s.base}/realtime/ws`);
  assert.ok('ws' in ours, 'tabmux answers under its prefix');
  ours.ws.close();
});

test('without next(): any other path is refused with the JSON 404, as before', async (t) => {
  const s = await setup(false);
  t.after(() => s.close());
  const refused = await connect(`${s.base}/app-socket`);
  assert.ok('status' in refused);
  assert.equal(refused.status, 404);
  assert.equal(JSON.parse(refused.body).error.code, 'TABMUX_ERR_NOT_FOUND');
});
