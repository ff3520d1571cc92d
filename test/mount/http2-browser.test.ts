/**
 * SSE over HTTP/2 from a real browser: Chromium loads a page, the client and the hub script from a
 * secure `http2` server (self-signed cert from openssl; Chromium told to accept it), the hub's
 * event stream is an HTTP/2 request to the mounted push server, and a published message arrives.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { withTimeout } from '../helpers/wait.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.js';
import { createPushServer, silentLogger } from '../../server/index.js';
import { selfSignedCert } from '../helpers/self-signed-cert.js';
import { stopServer } from '../helpers/mount-proof.js';

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
  import { connect } from '/tabmux.js';
  const mux = connect({ url: location.origin, worker: '/tabmux-worker.js', transport: 'sse' });
  window.received = [];
  window.mux = mux;
  window.tabReady = mux.subscribe('h2', (m) => window.received.push(m.data)).ready;
</script>`;

interface PageGlobals {
  tabReady: Promise<void>;
  received: unknown[];
  mux: { debug(): Promise<{ host: string; transport: string | null }> };
}

test('Chromium: the hub streams SSE over HTTP/2 from a mounted push server', async () => {
  for (const file of ['dist/index.js', 'dist/worker.js']) {
    if (!existsSync(new URL(`../../${file}`, import.meta.url))) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}`);
  const { key, cert } = selfSignedCert();
  const push = createPushServer({ logger: silentLogger, closeTimeout: 2000 });
  const sseVersions: string[] = [];
  const server = http2.createSecureServer({ key, cert, allowHTTP1: true });
  server.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    if (req.url.startsWith('/sse')) sseVersions.push(req.httpVersion);
    if (req.url === '/app.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      return;
    }
    // tabmux serves /tabmux.js and /tabmux-worker.js itself, next to its endpoints.
    push.handleRequest(req as never, res as never, () => res.writeHead(404).end());
  });
  server.on('upgrade', push.handleUpgrade);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A throwaway cert: Chromium is told to accept it (never do this outside tests).
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, '--ignore-certificate-errors'], timeout: 30_000 });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${origin}/app.html`);
    await withTimeout(page.evaluate(() => (window as unknown as PageGlobals).tabReady), 20_000, `the page to subscribe (errors: ${JSON.stringify(errors)})`);
    const debug = await page.evaluate(() => (window as unknown as PageGlobals).mux.debug());
    assert.deepEqual([debug.host, debug.transport], ['shared-worker', 'sse']);
    assert.ok(sseVersions.length > 0 && sseVersions.every((v) => v === '2.0'), `every SSE request came over HTTP/2 (saw ${JSON.stringify(sseVersions)})`);

    await push.publish('h2', { over: 'h2' });
    await page.waitForFunction(() => (window as unknown as PageGlobals).received.length > 0, undefined, { timeout: 15_000 });
    assert.deepEqual(await page.evaluate(() => (window as unknown as PageGlobals).received), [{ over: 'h2' }]);
  } finally {
    await browser.close();
    await push.close();
    const stopped = stopServer(server);
    for (const session of sessions) session.close();
    await withTimeout(stopped, 10_000, 'the http2 server to stop');
  }
});
