// In Chromium (README, "Battery and network"): Page Lifecycle freezing (CDP
// `Page.setWebLifecycleState`). A frozen page counts as asleep: with every tab frozen the hub
// pauses (0 upstream connections at the server); `resume` on one reconnects and the messages
// published meanwhile arrive once, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { readMetric } from '../helpers/browser.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { launchCdpChromium, openWindows, setMinimized } from '../helpers/cdp-chromium.js';

const received = (page: Page) => page.evaluate(() => (window as unknown as { received: number[] }).received);
const lifecycle = (page: Page) => page.evaluate(() => (window as unknown as { lifecycle: string[] }).lifecycle);

const { push, pages, browser: chromium } = e2eFixture({ launch: launchCdpChromium });

test('all tabs frozen → paused with 0 upstream connections; one resumed → reconnected, nothing lost', { timeout: 120_000 }, async () => {
  const tabs = await openWindows(chromium, 2);
  for (const tab of tabs) {
    await tab.goto(`${pages.url}/pages/battery-tab.html?server=${encodeURIComponent(push.url)}&channel=fz&pause=1`);
    await withTimeout(tab.evaluate(() => (window as unknown as { tabReady: Promise<void> }).tabReady), 20_000, 'a tab to subscribe');
  }
  await waitFor('one upstream', async () => (await readMetric(push.url, 'tabmux_connections')) === 1);
  const sessions = await Promise.all(tabs.map((tab) => chromium.context.newCDPSession(tab)));
  for (const session of sessions) await session.send('Page.setWebLifecycleState', { state: 'frozen' });
  await waitFor('0 upstream connections at the server after the grace', async () => (await readMetric(push.url, 'tabmux_connections')) === 0, 15_000);
  for (let n = 1; n <= 3; n++) await push.server.publish('fz', { n });
  await sessions[0]!.send('Page.setWebLifecycleState', { state: 'active' });
  // Chromium's `frozen` hides the page first and `active` leaves it hidden (a real browser resumes
  // a page as it is shown again): show it, as the user switching back to the tab would.
  await setMinimized(chromium.context, tabs[0]!, true);
  await setMinimized(chromium.context, tabs[0]!, false);
  await waitFor('the resumed page to be visible', async () => (await tabs[0]!.evaluate(() => document.visibilityState)) === 'visible', 10_000);
  await waitFor('the upstream to reopen', async () => (await readMetric(push.url, 'tabmux_connections')) === 1, 15_000);
  await waitFor('messages 1..3 in the resumed tab', async () => (await received(tabs[0]!)).length === 3, 15_000);
  assert.deepEqual(await received(tabs[0]!), [1, 2, 3]);
  assert.deepEqual((await lifecycle(tabs[0]!)).filter((e) => e === 'freeze' || e === 'resume'), ['freeze', 'resume'], 'the page saw the freeze and the resume');
  await sessions[1]!.send('Page.setWebLifecycleState', { state: 'active' });
  await setMinimized(chromium.context, tabs[1]!, true);
  await setMinimized(chromium.context, tabs[1]!, false);
  await waitFor('messages 1..3 in the other tab once it resumed', async () => (await received(tabs[1]!)).length === 3, 15_000);
  assert.deepEqual(await received(tabs[1]!), [1, 2, 3]);
});
