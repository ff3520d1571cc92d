/**
 * Mounting `createPushServer()` in the three Node frameworks people already run, each the way its
 * own docs say to hand a request to plain node middleware, each with the WebSocket upgrade (which
 * no framework routes: it goes to the http.Server's `upgrade` event) and a graceful shutdown
 * (push.close(), then the framework's own close).
 *
 * - Express: `app.use('/realtime', …)` — Express strips the mount path from `req.url`, so the
 *   push server sees `/sse`; the upgrade listener strips it the same way. A body parser mounted
 *   before it may stay: POST /publish then uses the object express.json() left in `req.body`
 *   (the last test here; server/publish.ts). Only a parser that read the body without leaving
 *   an object there is refused with 400, asking to mount tabmux first.
 * - Fastify: `serverFactory` — tabmux answers its paths (under `basePath: '/realtime'`) first and
 *   passes every other request to Fastify through `next()`; Fastify never parses (consumes) a
 *   tabmux body.
 * - Koa: a middleware that sets `ctx.respond = false` for the requests tabmux answers.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { createPushServer, silentLogger } from '../../server/index.js';
import type { PushServer } from '../../server/index.js';
import { proveMount, stopServer } from '../helpers/mount-proof.js';

const options = { logger: silentLogger, closeTimeout: 2000 };

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** The whole mount proof for a host app on 127.0.0.1:`port`, whose own route GET /app answers `app ok`. */
function proveHost(port: number, prefix: string, push: PushServer, stopHost: () => Promise<void>): Promise<void> {
  return proveMount({ target: { origin: `http://127.0.0.1:${port}`, prefix }, push, stopHost, hostRoute: { path: '/app', body: 'app ok' } });
}

/** Upgrades under `prefix` go to tabmux with the prefix stripped; any other upgrade is not ours. */
function upgradeUnder(prefix: string, push: PushServer) {
  return (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = req.url ?? '';
    if (url === `${prefix}/ws` || url.startsWith(`${prefix}/ws?`)) {
      req.url = url.slice(prefix.length);
      push.handleUpgrade(req, socket, head);
    } else {
      socket.destroy(); // the app's other WebSocket endpoints would be routed here
    }
  };
}

test('Express 5: app.use("/realtime", handleRequest) + upgrade under /realtime, graceful close', async () => {
  const push = createPushServer(options);
  const app = express();
  app.get('/app', (_req, res) => {
    res.type('text/plain').send('app ok');
  });
  app.use('/realtime', (req, res, next) => push.handleRequest(req, res, next));
  const server = http.createServer(app);
  server.on('upgrade', upgradeUnder('/realtime', push));
  await proveHost(await listen(server), '/realtime', push, () => stopServer(server));
});

test('Fastify 5: serverFactory hands tabmux its paths under basePath /realtime, next() for the rest; upgrade; graceful close', async () => {
  const push = createPushServer({ ...options, basePath: '/realtime' });
  let server: http.Server | undefined;
  const fastify = Fastify({
    serverFactory: (handler) => {
      server = http.createServer((req, res) => push.handleRequest(req, res, () => handler(req, res)));
      server.on('upgrade', push.handleUpgrade);
      return server;
    },
  });
  fastify.get('/app', async (_request, reply) => reply.type('text/plain').send('app ok'));
  await fastify.ready();
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  await proveHost((server!.address() as AddressInfo).port, '/realtime', push, () => fastify.close());
});

test('Koa 3: middleware with ctx.respond = false; upgrade; graceful close', async () => {
  const push = createPushServer(options);
  const app = new Koa();
  app.use(
    (ctx, next) =>
      new Promise<void>((resolve, reject) => {
        let passed = false;
        // tabmux decides synchronously whether a path is its own; if not it calls next().
        push.handleRequest(ctx.req, ctx.res, (error) => {
          passed = true;
          if (error) reject(error instanceof Error ? error : new Error(String(error)));
          else next().then(resolve, reject);
        });
        if (!passed) {
          ctx.respond = false; // tabmux writes the response (and streams SSE) itself
          resolve();
        }
      }),
  );
  app.use((ctx) => {
    if (ctx.path === '/app') {
      ctx.type = 'text/plain';
      ctx.body = 'app ok';
    }
  });
  const server = http.createServer(app.callback());
  server.on('upgrade', push.handleUpgrade);
  await proveHost(await listen(server), '', push, () => stopServer(server));
});

test(
  'Express with express.json() mounted BEFORE tabmux: POST /publish uses the parsed body (no hang)',
  async () => {
    const push = createPushServer(options);
    const app = express();
    app.use(express.json()); // a common app-wide body parser, mounted first by mistake
    app.use((req, res, next) => push.handleRequest(req, res, next));
    const server = http.createServer(app);
    const port = await listen(server);
    try {
      const answer = await fetch(`http://127.0.0.1:${port}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'parsed', data: 1 }),
        signal: AbortSignal.timeout(5000),
      });
      // express.json() left the parsed object in req.body: tabmux publishes it.
      assert.equal(answer.status, 200);
      assert.match(((await answer.json()) as { id: string }).id, /^[0-9a-z]+-[0-9a-z]+$/);
    } finally {
      server.closeAllConnections();
      await push.close();
      await stopServer(server);
    }
  },
);
