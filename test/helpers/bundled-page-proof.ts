/**
 * The proof every bundler test makes on its built page: in real Chromium, against a real push
 * server, the page's `connect()` attaches to the hub as a SharedWorker loaded from the page's own
 * origin (the file the bundler emitted), and a message published on the server arrives in the page.
 *
 * A published value that is markup shows as text (hostile-markup.ts).
 *
 * Then the same page in a browser without any worker host (`proveDirectFallback`): `host: 'auto'`
 * falls back to `direct`, whose hub the client imports on demand from next to itself
 * (dist/tabmux-in-page-hub.js) — so the bundler must have followed that `import()` too.
 */
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { withTimeout } from './wait.js';
import { launchChromium } from './chromium.js';
import { startServer } from './server.js';
import type { PushServer } from '../../server/index.js';
import { serveDir } from './static-dir-server.js';
import { HOSTILE_MARKUP, assertRenderedAsText } from './hostile-markup.js';

interface PageGlobals {
  tabReady: Promise<void>;
  received: unknown[];
  mux: { debug(): Promise<{ host: string; transport: string | null }> };
}

/** `workerPath` must match the path of the hub script the page loads (e.g. /assets/worker-…js). */
export async function provePage(builtDir: string, workerPath: RegExp): Promise<void> {
  const push = await startServer();
  const site = await serveDir(builtDir);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${site.url}/index.html?server=${encodeURIComponent(push.url)}`);
    await withTimeout(
      page.evaluate(() => (window as unknown as PageGlobals).tabReady),
      20_000,
      `the built page to subscribe (page errors: ${JSON.stringify(errors)}; served: ${JSON.stringify(site.requested)})`,
    );
    const debug = await page.evaluate(() => (window as unknown as PageGlobals).mux.debug());
    assert.equal(debug.host, 'shared-worker', 'the hub runs as a SharedWorker');
    const hubScript = site.requested.find((path) => workerPath.test(path));
    assert.ok(hubScript, `the hub script was loaded from the page's origin (served: ${JSON.stringify(site.requested)})`);

    await push.server.publish('ticks', { through: 'the hub' });
    await withTimeout(
      page.waitForFunction(() => (window as unknown as PageGlobals).received.length > 0, undefined, { timeout: 15_000 }),
      16_000,
      'the published message to reach the page',
    );
    const received = await page.evaluate(() => (window as unknown as PageGlobals).received);
    assert.deepEqual(received, [{ through: 'the hub' }]);
    await push.server.publish('ticks', { t: HOSTILE_MARKUP });
    await assertRenderedAsText(page, '#log li', 'the built page');
    assert.deepEqual(errors, [], 'no page errors');
    await proveDirectFallback(browser, `${site.url}/index.html?server=${encodeURIComponent(push.url)}`, push.server, () => site.requested);
  } finally {
    await browser?.close();
    await site.close();
    await push.close();
  }
}

/**
 * Opens `url` in a fresh context where SharedWorker, Service Workers and BroadcastChannel do not
 * exist (as in a browser that has none of them: removed before any page script runs, not faked),
 * and proves that `connect()` then runs its hub in the page — the module loaded on demand — and
 * that a published message arrives.
 */
export async function proveDirectFallback(browser: Browser, url: string, server: PushServer, requested: () => readonly string[]): Promise<void> {
  const context = await browser.newContext();
  try {
    await context.addInitScript(() => {
      const scope = globalThis as Record<string, unknown>;
      delete scope.SharedWorker;
      delete scope.BroadcastChannel;
      delete (Navigator.prototype as unknown as Record<string, unknown>).serviceWorker;
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await withTimeout(
      page.evaluate(() => (window as unknown as PageGlobals).tabReady),
      30_000,
      `the page without worker hosts to subscribe (page errors: ${JSON.stringify(errors)}; served: ${JSON.stringify(requested())})`,
    );
    const debug = await page.evaluate(() => (window as unknown as PageGlobals).mux.debug());
    assert.equal(debug.host, 'direct', 'without SharedWorker, Service Worker and BroadcastChannel, the hub runs in the page');
    await server.publish('ticks', { through: 'the in-page hub' });
    await withTimeout(
      page.waitForFunction(() => (window as unknown as PageGlobals).received.length > 0, undefined, { timeout: 15_000 }),
      16_000,
      'the published message to reach the page through the in-page hub',
    );
    assert.deepEqual(await page.evaluate(() => (window as unknown as PageGlobals).received), [{ through: 'the in-page hub' }]);
    assert.deepEqual(errors, [], 'no page errors (direct)');
  } finally {
    await context.close();
  }
}
