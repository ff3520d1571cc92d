/**
 * examples/07-react-use-channel: `tabmux/react`'s `useChannel` in a React 19 app built by Vite, run in
 * Chromium under StrictMode (every effect mounted, cleaned up and mounted again): a price published
 * on the server renders, and the hub holds each channel once, live, for the one tab.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { waitFor } from '../helpers/wait.js';
import { launchChromium } from '../helpers/chromium.js';
import { startServer } from '../helpers/server.js';
import { serveDir } from '../helpers/static-dir-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface DebugLike {
  host: string;
  channels: Record<string, { tabs: number; live: boolean }>;
}

test('React useChannel (example 07, StrictMode): a published price renders; each channel held once', async () => {
  if (!existsSync(join(root, 'dist/worker.js'))) throw new Error('dist/worker.js is missing: run `npm run build` first');
  const out = mkdtempSync(join(tmpdir(), 'tabmux-react-'));
  const push = await startServer();
  let site: Awaited<ReturnType<typeof serveDir>> | undefined;
  let browser: Browser | undefined;
  try {
    await build({ root: join(root, 'examples/07-react-use-channel'), configFile: false, logLevel: 'error', build: { outDir: out, emptyOutDir: true } });
    site = await serveDir(out);
    browser = await launchChromium();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${site.url}/index.html?server=${encodeURIComponent(push.url)}`);
    const debug = () => page.evaluate(() => (window as unknown as { mux: { debug(): Promise<DebugLike> } }).mux.debug());
    const channels = ['prices:AAPL', 'prices:MSFT', 'prices:BTC'];
    await waitFor(`the three channels to be live (page errors: ${JSON.stringify(errors)})`, async () => {
      const snapshot = await debug();
      return channels.every((c) => snapshot.channels[c]?.live);
    });
    const snapshot = await debug();
    assert.equal(snapshot.host, 'shared-worker');
    assert.deepEqual(Object.keys(snapshot.channels).sort(), [...channels].sort(), 'StrictMode\'s double mount leaves no extra subscription');
    for (const channel of channels) assert.equal(snapshot.channels[channel]!.tabs, 1);

    await push.server.publish('prices:AAPL', { price: 12.5 });
    await waitFor('the AAPL price to render', async () => (await page.locator('[data-symbol="AAPL"] .price').textContent()) === '12.50');
    assert.equal(await page.locator('[data-symbol="MSFT"] .price').textContent(), '…', 'other channels untouched');
    assert.equal(await page.locator('#state').textContent(), 'open');
    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    await site?.close();
    await push.close();
    rmSync(out, { recursive: true, force: true });
  }
});
