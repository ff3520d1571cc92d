/**
 * The proof every bundler test makes on its built page: in real Chromium, against a real push
 * server, the page's `connect()` attaches to the hub as a SharedWorker loaded from the page's own
 * origin (the file the bundler emitted), and a message published on the server arrives in the page.
 */
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { withTimeout } from '../helpers/browser.js';
import { launchChromium } from '../helpers/chromium.js';
import { startServer } from '../helpers/server.js';
import { serveDir } from './serve-dir.js';

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
    assert.deepEqual(errors, [], 'no page errors');
  } finally {
    await browser?.close();
    await site.close();
    await push.close();
  }
}
