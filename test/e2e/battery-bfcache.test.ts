// In Chromium (README, "Battery and network"): a page holding a tabmux connection stays eligible
// for the back/forward cache (it says bye and closes its ports on `pagehide` persisted: Chromium
// evicts a cached page that a SharedWorker messages, reason "SharedWorkerMessage"), and on
// `pageshow` persisted it re-attaches and catches up from its cursor: the message published while
// it was cached arrives once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { debugOf } from '../helpers/page-debug.js';
import { launchCdpChromium, openWindows } from '../helpers/cdp-chromium.js';

const received = (page: Page) => page.evaluate(() => (window as unknown as { received: number[] }).received);
const lifecycle = (page: Page) => page.evaluate(() => (window as unknown as { lifecycle: string[] }).lifecycle);

const { push, pages, browser: chromium } = e2eFixture({ launch: launchCdpChromium });

test('back/forward cache: the page is restored from the cache, re-attaches and misses nothing', { timeout: 120_000 }, async () => {
  const [tab] = await openWindows(chromium, 1);
  const cdp = await chromium.context.newCDPSession(tab!);
  await cdp.send('Page.enable');
  const notUsed: unknown[] = [];
  cdp.on('Page.backForwardCacheNotUsed', (event) => notUsed.push(event.notRestoredExplanations));

  await tab!.goto(`${pages.url}/pages/battery-tab.html?server=${encodeURIComponent(push.url)}&channel=bf&pause=false`);
  await withTimeout(tab!.evaluate(() => (window as unknown as { tabReady: Promise<void> }).tabReady), 20_000, 'the tab to subscribe');
  await push.server.publish('bf', { n: 1 });
  await waitFor('message 1', async () => (await received(tab!)).length === 1);

  await tab!.goto('about:blank');
  await push.server.publish('bf', { n: 2 }); // while the page sits in the cache
  await tab!.goBack({ waitUntil: 'commit' }); // a restore fires no `load`
  await waitFor('pageshow with persisted (restored from the back/forward cache)', async () => (await lifecycle(tab!)).includes('pageshow:true'), 15_000);
  assert.deepEqual(notUsed, [], 'Chromium reported no reason to refuse the cache');
  await waitFor('message 2, replayed from the cursor after re-attaching', async () => (await received(tab!)).length === 2, 15_000);
  await push.server.publish('bf', { n: 3 });
  await waitFor('message 3, live again', async () => (await received(tab!)).length === 3, 15_000);
  assert.deepEqual(await received(tab!), [1, 2, 3], 'nothing lost, nothing twice');
  const debug = await debugOf<{ tabs: number }>(tab!);
  assert.equal(debug.tabs, 1, 'the hub counts the restored page once');
});
