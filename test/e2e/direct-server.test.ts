/**
 * The `direct` host's hub is not in the client module: the client imports it on demand from next
 * to itself (`./tabmux-in-page-hub.js`, so that pages that do not need it do not load it). These tests prove that the push
 * server serves that module wherever it serves the client, so `import('/tabmux.js')` +
 * `host: 'direct'` works against the real server — at its root, and under `basePath` with the
 * demo page's Content-Security-Policy in force — and that a deployment which forgets the module
 * gets a clear error, not a silent hang.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { range, readMetric } from '../helpers/browser.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { startPushAndChromium } from '../helpers/e2e-fixture.js';
import { serveDir } from '../helpers/static-dir-server.js';
import type * as Client from '../../src/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MESSAGES = 200;

interface DirectGlobals {
  received: number[];
  errors: Array<{ code: string; message: string }>;
  mux: { debug(): Promise<{ host: string; transport: string | null }> };
}

/** In the page: imports the client from `moduleUrl`, connects with `host: 'direct'`, subscribes to `channel`. */
function connectDirect(page: Page, moduleUrl: string, serverUrl: string, channel: string): Promise<void> {
  return page.evaluate(
    async ({ moduleUrl, serverUrl, channel }) => {
      const { connect } = (await import(moduleUrl)) as typeof Client;
      const globals = window as unknown as DirectGlobals;
      globals.received = [];
      globals.errors = [];
      const mux = connect({ url: serverUrl, host: 'direct' });
      globals.mux = mux;
      mux.on('error', (error) => globals.errors.push({ code: error.code, message: error.message }));
      const sub = mux.subscribe(channel, (message) => globals.received.push((message.data as { n: number }).n));
      // Not awaited here: a failing host never resolves `ready`; the caller waits with a bound.
      (window as unknown as { ready: Promise<void> }).ready = sub.ready;
    },
    { moduleUrl, serverUrl, channel },
  );
}

async function proveDirect(page: Page, publish: (n: number) => Promise<unknown>, what: string): Promise<void> {
  await withTimeout(
    page.evaluate(() => (window as unknown as { ready: Promise<void> }).ready),
    30_000,
    `${what}: the direct host to subscribe (errors: ${JSON.stringify(await page.evaluate(() => (window as unknown as DirectGlobals).errors))})`,
  );
  const debug = await page.evaluate(() => (window as unknown as DirectGlobals).mux.debug());
  assert.equal(debug.host, 'direct', `${what}: the hub runs in the page`);
  const loaded = await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname));
  assert.ok(
    loaded.some((path) => path.endsWith('/tabmux-in-page-hub.js')),
    `${what}: the in-page hub module was loaded on demand (resources: ${JSON.stringify(loaded)})`,
  );
  for (const n of range(MESSAGES)) await publish(n);
  await waitFor(
    `${what}: ${MESSAGES} messages in the page`,
    () => page.evaluate((count) => (window as unknown as DirectGlobals).received.length >= count, MESSAGES),
    30_000,
  );
  assert.deepEqual(await page.evaluate(() => (window as unknown as DirectGlobals).received), range(MESSAGES), `${what}: every message once, in order`);
  assert.deepEqual(await page.evaluate(() => (window as unknown as DirectGlobals).errors), [], `${what}: no error event`);
}

test('the push server serves the lazily loaded in-page hub: /tabmux.js with host direct receives every message', async (t) => {
  const { push, browser } = await startPushAndChromium(t);
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // A page of the server's own origin, which can import the client from /tabmux.js (README, "Endpoints").
  await page.goto(`${push.url}/health`);
  await connectDirect(page, '/tabmux.js', push.url, 'direct-root');
  await proveDirect(page, (n) => push.server.publish('direct-root', { n }), 'at the root');
  assert.equal(await readMetric(push.url, 'tabmux_connections'), 1, 'the page holds its own single upstream connection');
  assert.deepEqual(pageErrors, [], 'no page errors');
});

test('under basePath, on the demo page (its CSP in force), the in-page hub loads from next to /realtime/tabmux.js', async (t) => {
  const { push, browser } = await startPushAndChromium(t, { basePath: '/realtime' });
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) pageErrors.push(message.text());
  });
  await page.goto(`${push.url}/realtime/`);
  await connectDirect(page, '/realtime/tabmux.js', `${push.url}/realtime`, 'direct-base');
  await proveDirect(page, (n) => push.server.publish('direct-base', { n }), 'under /realtime');
  assert.deepEqual(pageErrors, [], 'no page errors, no CSP violation');
});

test('a client served without its in-page hub module fails with TABMUX_ERR_NO_HOST naming the missing file; served later, the next connect() works', async (t) => {
  const { push, browser } = await startPushAndChromium(t);
  // Only the client, copied as tabmux.js: the deployment mistake this error is for.
  const dir = mkdtempSync(join(tmpdir(), 'tabmux-direct-missing-'));
  copyFileSync(join(root, 'dist/index.js'), join(dir, 'tabmux.js'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>client only</title>');
  const site = await serveDir(dir);
  t.after(async () => {
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const page = await browser.newPage();
  await page.goto(`${site.url}/index.html`);
  await connectDirect(page, '/tabmux.js', push.url, 'never');
  const errors = await waitFor(
    'an error event from the direct host',
    async () => {
      const seen = await page.evaluate(() => (window as unknown as DirectGlobals).errors);
      return seen.length > 0 && seen;
    },
    30_000,
  );
  assert.equal(errors[0]!.code, 'TABMUX_ERR_NO_HOST');
  assert.match(errors[0]!.message, /tabmux-in-page-hub\.js/, 'the message names the module to serve');
  assert.ok(site.requested.includes('/tabmux-in-page-hub.js'), `the client asked for the module next to itself (served: ${JSON.stringify(site.requested)})`);
  assert.equal(await readMetric(push.url, 'tabmux_connections'), 0, 'no upstream connection');

  // The deployment is fixed: the next connect() in the same page loads the module and works (a
  // failed load is not remembered by the client).
  copyFileSync(join(root, 'dist/tabmux-in-page-hub.js'), join(dir, 'tabmux-in-page-hub.js'));
  await connectDirect(page, '/tabmux.js', push.url, 'direct-retry');
  await proveDirect(page, (n) => push.server.publish('direct-retry', { n }), 'after the module is served');
});
