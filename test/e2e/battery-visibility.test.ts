// In Chromium (README, "Battery and network"): every tab hidden (minimised windows, verified
// `hidden` in the pages) → 0 upstream connections at the server after a short pauseWhenHidden; one
// tab shown again → reconnected at once and every message published meanwhile delivered once, in
// order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { readMetric } from '../helpers/browser.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { debugOf } from '../helpers/page-debug.js';
import { launchCdpChromium, openWindows, setMinimized, visibilityOf } from '../helpers/cdp-chromium.js';

const received = (page: Page) => page.evaluate(() => (window as unknown as { received: number[] }).received);
const connects = (page: Page) => debugOf<{ connects: number }>(page).then((d) => d.connects);
const states = (page: Page) => page.evaluate(() => (window as unknown as { states: string[] }).states);

const { push, pages, browser: chromium } = e2eFixture({ launch: launchCdpChromium });

test('all tabs hidden → paused with 0 upstream connections; one visible → one reconnect, nothing lost, nothing twice', { timeout: 120_000 }, async () => {
  const url = `${pages.url}/pages/battery-tab.html?server=${encodeURIComponent(push.url)}&channel=vis&pause=1`;
  const tabs = await openWindows(chromium, 3);
  for (const tab of tabs) {
    await tab.goto(url);
    await withTimeout(tab.evaluate(() => (window as unknown as { tabReady: Promise<void> }).tabReady), 20_000, 'a tab to subscribe');
  }
  for (const tab of tabs) assert.equal(await visibilityOf(tab), 'visible', 'each window starts visible');
  await waitFor('one upstream for three tabs', async () => (await readMetric(push.url, 'tabmux_connections')) === 1);
  await push.server.publish('vis', { n: 0 });
  for (const tab of tabs) await waitFor('message 0 in every tab', async () => (await received(tab)).length === 1);

  // Two of three hidden: still one upstream (ANY visible tab keeps it).
  for (const tab of tabs.slice(0, 2)) await setMinimized(chromium.context, tab, true);
  for (const tab of tabs.slice(0, 2)) await waitFor('the minimised page to report hidden', async () => (await visibilityOf(tab)) === 'hidden', 10_000);
  assert.equal(await visibilityOf(tabs[2]!), 'visible', 'the third window was not minimised');
  const debug = await debugOf<{ upstream: string }>(tabs[2]!);
  assert.equal(debug.upstream, 'open', 'one visible tab keeps the upstream open');

  await setMinimized(chromium.context, tabs[2]!, true);
  await waitFor('the third page to report hidden', async () => (await visibilityOf(tabs[2]!)) === 'hidden', 10_000);
  await waitFor('0 upstream connections at the server after the grace', async () => (await readMetric(push.url, 'tabmux_connections')) === 0, 15_000);
  for (const tab of tabs) await waitFor('state paused in every tab', async () => (await states(tab)).at(-1) === 'paused', 10_000);

  const connectsWhilePaused = await connects(tabs[0]!);
  for (let n = 1; n <= 5; n++) await push.server.publish('vis', { n });
  assert.equal(await readMetric(push.url, 'tabmux_connections'), 0, 'publishing does not wake a paused hub');

  await setMinimized(chromium.context, tabs[1]!, false);
  await waitFor('the restored page to report visible', async () => (await visibilityOf(tabs[1]!)) === 'visible', 10_000);
  for (const tab of tabs) await waitFor('messages 0..5 in every tab', async () => (await received(tab)).length >= 6, 15_000);
  await push.server.publish('vis', { n: 6 });
  for (const tab of tabs) {
    await waitFor('message 6 in every tab', async () => (await received(tab)).length >= 7, 15_000);
    assert.deepEqual(await received(tab), [0, 1, 2, 3, 4, 5, 6], 'every message once, in order');
    assert.equal((await states(tab)).at(-1), 'open');
  }
  assert.equal(await readMetric(push.url, 'tabmux_connections'), 1, 'one upstream again');
  assert.equal(await connects(tabs[0]!), connectsWhilePaused + 1, 'exactly one reconnect for three tabs');
});
