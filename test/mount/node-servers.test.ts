/**
 * Mounting `createPushServer()` on servers the app already runs, with node's own modules:
 * bare `http`, `https` (TLS, wss upgrade) and a secure `http2` server, where SSE streams over
 * HTTP/2 (one TCP connection for any number of streams, so the browser's six-per-host limit of
 * HTTP/1.1 no longer applies) while WebSocket upgrades come over HTTP/1.1 (`allowHTTP1`).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createPushServer, silentLogger } from '../../server/index.js';
import { selfSignedCert } from '../helpers/self-signed-cert.js';
import { json, openWs, proveMount, stopServer } from '../helpers/mount-proof.js';

const options = { logger: silentLogger, closeTimeout: 2000 };

function listen(server: http.Server | https.Server | http2.Http2SecureServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** The host app's own route, answered when tabmux passes the request on with `next()`. */
function hostApp(push: ReturnType<typeof createPushServer>) {
  return (req: IncomingMessage, res: ServerResponse) =>
    push.handleRequest(req, res, () => {
      const own: Record<string, string> = { '/app': 'app ok', '/': 'app home', '/index.html': 'app home' };
      const body = own[req.url ?? ''];
      res.writeHead(body ? 200 : 404, { 'content-type': 'text/plain' }).end(body ?? 'no');
    });
}

test('bare http.Server: handleRequest with next(), upgrade, graceful close', async () => {
  const push = createPushServer(options);
  const server = http.createServer(hostApp(push));
  server.on('upgrade', push.handleUpgrade);
  const port = await listen(server);
  await proveMount({ target: { origin: `http://127.0.0.1:${port}`, prefix: '' }, push, stopHost: () => stopServer(server), hostRoute: { path: '/app', body: 'app ok' } });
});

test('https.Server (self-signed cert from openssl): SSE over TLS, wss upgrade, graceful close', async () => {
  const { key, cert } = selfSignedCert();
  const push = createPushServer(options);
  const server = https.createServer({ key, cert }, hostApp(push));
  server.on('upgrade', push.handleUpgrade);
  const port = await listen(server);
  await proveMount({ target: { origin: `https://127.0.0.1:${port}`, prefix: '', ca: cert }, push, stopHost: () => stopServer(server), hostRoute: { path: '/app', body: 'app ok' }, expectProtocol: 'HTTP/1.1' });
});

test('http2 secure server: SSE over HTTP/2, WebSocket over HTTP/1.1 (allowHTTP1), graceful close', async () => {
  const { key, cert } = selfSignedCert();
  const push = createPushServer(options);
  const server = http2.createSecureServer({ key, cert, allowHTTP1: true });
  // The compat request/response mirror IncomingMessage/ServerResponse closely enough for tabmux.
  server.on('request', hostApp(push) as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
  server.on('upgrade', push.handleUpgrade);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  const port = await listen(server);
  await proveMount({
    target: { origin: `https://127.0.0.1:${port}`, prefix: '', ca: cert, http2: true },
    push,
    // An idle HTTP/2 session is not an idle HTTP/1 socket: close() waits for sessions to end.
    stopHost: () => {
      const stopped = stopServer(server);
      for (const session of sessions) session.close();
      return stopped;
    },
    hostRoute: { path: '/app', body: 'app ok' },
    expectProtocol: 'HTTP/2',
  });
});

test('bare http.Server under a path prefix (basePath: /realtime → /realtime/sse, /realtime/ws)', async () => {
  const push = createPushServer({ ...options, basePath: '/realtime' });
  const server = http.createServer(hostApp(push));
  server.on('upgrade', push.handleUpgrade);
  const port = await listen(server);
  await proveMount({ target: { origin: `http://127.0.0.1:${port}`, prefix: '/realtime' }, push, stopHost: () => stopServer(server), hostRoute: { path: '/app', body: 'app ok' } });
});

test('basePath: paths outside the prefix are the host app\'s, upgrades outside it are refused with 404', async () => {
  const push = createPushServer({ ...options, basePath: '/realtime' });
  const server = http.createServer(hostApp(push));
  server.on('upgrade', push.handleUpgrade);
  const port = await listen(server);
  const target = { origin: `http://127.0.0.1:${port}`, prefix: '' };
  try {
    const outside = await json(target, 'GET', '/sse?channel=a');
    assert.equal(outside.status, 404, '/sse outside the prefix is not tabmux\'s: the host app answers');
    assert.equal(outside.body, 'no');
    await assert.rejects(openWs(target), /WebSocket upgrade answered 404/);
  } finally {
    await push.close();
    await stopServer(server);
  }
});

test(
  'mounted with next(): the host app keeps its own / and /index.html',
  async () => {
    const push = createPushServer(options);
    const server = http.createServer(hostApp(push));
    const port = await listen(server);
    const target = { origin: `http://127.0.0.1:${port}`, prefix: '' };
    try {
      for (const path of ['/', '/index.html']) {
        const home = await json(target, 'GET', path);
        assert.equal(home.body, 'app home', `${path} belongs to the host app, not to tabmux's demo`);
      }
    } finally {
      await push.close();
      await stopServer(server);
    }
  },
);
