/**
 * Vite's dev server (what people run all day, not only `vite build`): examples/08-vite served by
 * `createServer()`, where `new URL('tabmux/worker', import.meta.url)` is rewritten to a dev URL of
 * dist/worker.js on the dev server's origin; proven in Chromium like the built page, the
 * `direct` fallback (the in-page hub imported on demand) included.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import type { Browser } from 'playwright-core';
import { withTimeout } from '../helpers/wait.js';
import { launchChromium } from '../helpers/chromium.js';
import { startServer } from '../helpers/server.js';
import { proveDirectFallback } from '../helpers/bundled-page-proof.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface PageGlobals {
  tabReady: Promise<void>;
  received: unknown[];
  mux: { debug(): Promise<{ host: string }> };
}

test('Vite dev server: examples/08-vite gets its hub from the dev server and a message arrives', async () => {
  if (!existsSync(join(root, 'dist/worker.js'))) throw new Error('dist/worker.js is missing: run `npm run build` first');
  const push = await startServer();
  const vite = await createServer({ root: join(root, 'examples/08-vite'), configFile: false, logLevel: 'error', server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false } });
  let browser: Browser | undefined;
  const workerRequests: string[] = [];
  try {
    await vite.listen();
    const { port } = vite.httpServer!.address() as AddressInfo;
    browser = await launchChromium();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => {
      if (request.url().includes('worker')) workerRequests.push(new URL(request.url()).pathname);
    });
    await page.goto(`http://127.0.0.1:${port}/index.html?server=${encodeURIComponent(push.url)}`);
    await withTimeout(page.evaluate(() => (window as unknown as PageGlobals).tabReady), 30_000, `the dev page to subscribe (errors: ${JSON.stringify(errors)}; worker requests: ${JSON.stringify(workerRequests)})`);
    const debug = await page.evaluate(() => (window as unknown as PageGlobals).mux.debug());
    assert.equal(debug.host, 'shared-worker');
    assert.ok(workerRequests.some((path) => path.endsWith('/dist/worker.js')), `the hub came from the dev server (requests: ${JSON.stringify(workerRequests)})`);
    await push.server.publish('ticks', { through: 'vite dev' });
    await page.waitForFunction(() => (window as unknown as PageGlobals).received.length > 0, undefined, { timeout: 15_000 });
    assert.deepEqual(await page.evaluate(() => (window as unknown as PageGlobals).received), [{ through: 'vite dev' }]);
    // The dev server's dependency optimizer must follow the client's on-demand import too.
    await proveDirectFallback(browser, `http://127.0.0.1:${port}/index.html?server=${encodeURIComponent(push.url)}`, push.server, () => workerRequests);
  } finally {
    await browser?.close();
    await vite.close();
    await push.close();
  }
});
