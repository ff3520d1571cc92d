// In Chromium (README, "Battery and network"): with the network emulated offline (the SharedWorker
// hub's target and the pages, verified through `navigator.onLine`), no request reaches the server
// however long the backoff runs; back online, exactly one reconnect, and the message published
// meanwhile arrives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { debugOf } from '../helpers/page-debug.js';
import { launchCdpChromium, openWindows } from '../helpers/cdp-chromium.js';
import { startCountingFront } from '../helpers/counting-front.js';
import { rawCdp } from '../helpers/raw-cdp.js';

const received = (page: Page) => page.evaluate(() => (window as unknown as { received: number[] }).received);
const upstream = (page: Page) => debugOf<{ upstream: string }>(page).then((d) => d.upstream);
const connects = (page: Page) => debugOf<{ connects: number }>(page).then((d) => d.connects);
const conditions = (offline: boolean) => ({ offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

const { push, pages, browser: chromium, front } = e2eFixture({ front: ({ push }) => startCountingFront(push.server), launch: launchCdpChromium });

test('offline: no request reaches the server; back online: exactly one reconnect, nothing lost', { timeout: 120_000 }, async (t) => {
  const url = `${pages.url}/pages/battery-tab.html?server=${encodeURIComponent(front.url)}&channel=net&pause=false`;
  const tabs = await openWindows(chromium, 2);
  for (const tab of tabs) {
    await tab.goto(url);
    await withTimeout(tab.evaluate(() => (window as unknown as { tabReady: Promise<void> }).tabReady), 20_000, 'a tab to subscribe');
  }
  const sseRequests = () => front.requests.filter((r) => r === 'GET /sse').length;
  assert.equal(sseRequests(), 1, 'one upstream for two tabs');

  const cdp = await rawCdp(chromium.endpoint);
  t.after(() => cdp.close());
  const worker = await cdp.attach('shared_worker', 'tabmux-worker.js');
  await cdp.send('Network.enable', {}, worker);
  const pageSessions = await Promise.all(tabs.map((tab) => chromium.context.newCDPSession(tab)));
  const setOffline = async (offline: boolean) => {
    await cdp.send('Network.emulateNetworkConditions', conditions(offline), worker);
    for (const session of pageSessions) await session.send('Network.emulateNetworkConditions', conditions(offline));
  };
  const workerOnLine = async () => (await cdp.send<{ result: { value: boolean } }>('Runtime.evaluate', { expression: 'navigator.onLine', returnByValue: true }, worker)).result.value;

  await setOffline(true);
  for (const tab of tabs) await waitFor('the page to see navigator.onLine false', () => tab.evaluate(() => !navigator.onLine), 10_000);
  await waitFor('the SharedWorker to see navigator.onLine false', async () => !(await workerOnLine()), 10_000);

  const before = front.requests.length;
  front.cutAll(); // the network drop: the hub's stream ends
  await waitFor('the hub to notice the drop', async () => (await upstream(tabs[0]!)) === 'backoff', 15_000);
  const attempts = await connects(tabs[0]!);
  await push.server.publish('net', { n: 1 });
  // An observation window, not a synchronisation: absence has no event. 5 s covers the first
  // backoff ceilings (1 s, 2 s), so an hub that retried while offline would have been seen here.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  assert.deepEqual(front.requests.slice(before), [], 'no request reached the server while offline');
  assert.equal(await upstream(tabs[0]!), 'backoff');
  // The browser would refuse the requests anyway; what matters for the radio is that the hub made none.
  assert.equal(await connects(tabs[0]!), attempts, 'the hub made no attempt while offline');

  await setOffline(false);
  await waitFor('the upstream to reopen', async () => (await upstream(tabs[0]!)) === 'open', 15_000);
  for (const tab of tabs) {
    await waitFor('the message published while offline', async () => (await received(tab)).length === 1, 15_000);
    assert.deepEqual(await received(tab), [1]);
  }
  assert.deepEqual(front.requests.slice(before), ['GET /sse'], 'exactly one reconnect');
  assert.equal(await connects(tabs[0]!), attempts + 1, 'one attempt, at once on online');
});
