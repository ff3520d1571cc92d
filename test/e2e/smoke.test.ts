import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from '../helpers/chromium.js';
import { startServer } from '../helpers/server.js';
import { openTabs, range, readMetric, received, startStaticServer, waitFor } from '../helpers/browser.js';

test('smoke', async (t) => {
  const push = await startServer();
  const pages = await startStaticServer();
  const browser = await launchChromium();
  t.after(async () => {
    await browser.close();
    await pages.close();
    await push.close();
  });
  const context = await browser.newContext();
  const tabs = await openTabs(context, 2, () => `${pages.url}/pages/tab.html?server=${encodeURIComponent(push.url)}&channels=a`);
  for (const n of range(20)) await push.server.publish('a', { n });
  await waitFor('all', async () => (await Promise.all(tabs.map(received))).every((r) => r.a?.length === 20));
  console.log(await tabs[0]!.evaluate(() => (window as unknown as { mux: { debug(): Promise<unknown> } }).mux.debug()));
  assert.equal(await readMetric(push.url, 'tabmux_connections'), 1);
});
