// Which tab handles one-tab messages (README, One tab per message), with pages that are really
// hidden: Chromium launched by hand and driven over CDP, each tab in a window of its own, windows
// minimised (playwright's own launch emulates focus: its pages are always visible).
//  1. one window shown, two minimised: the shown one handles every message, though the hidden
//     ones attached later (which would win a tie);
//  2. another window shown, the first minimised: the one shown last handles them;
//  3. every window minimised: the one hidden last handles them.
// Every tab's every-tab subscription of the same channel gets every message all along. On the
// shared-worker host (one hub ranks its tabs) and on `direct` (every tab its own hub: the tabs
// rank themselves alike over a BroadcastChannel, worker/one-tab-peers.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { range } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { launchCdpChromium, openWindows, setMinimized, visibilityOf } from '../helpers/cdp-chromium.js';
import { assertHandledOnceEach, callsByTab, everyTabReceived, oneTabReady, oneTabUrl, openObserver, type Observer } from '../helpers/one-tab-calls.js';
import { SUSPECT_MS } from '../../worker/one-tab-peers.js';

/** Messages per phase. */
const EACH = 10;

const { push, pages, browser: chromium } = e2eFixture({ launch: launchCdpChromium });

for (const host of ['shared-worker', 'direct'] as const)
test(`${host}: a visible tab handles one-tab messages over hidden ones; then the one shown last; all hidden, the one hidden last; every-tab unaffected`, { timeout: 120_000 }, async (t) => {
  const channel = `one-tab-visible-${host}`;
  const windows = await openWindows(chromium, 4);
  try {
    const [observerPage, ...tabs] = windows as [Page, Page, Page, Page];
    // Both tests run in the default context: a counter of each test's own.
    const observer: Observer = await openObserver(chromium.context, pages.url, observerPage, channel);
    for (const [i, tab] of tabs.entries()) {
      await tab.goto(oneTabUrl(pages.url, `tab${i}`, { server: push.url, channel, transport: 'sse', host, counter: channel }));
      await oneTabReady(tab, `tab${i}`);
    }
    const show = async (tab: Page, visible: boolean) => {
      await setMinimized(chromium.context, tab, !visible);
      await waitFor(`the page to report ${visible ? 'visible' : 'hidden'}`, async () => (await visibilityOf(tab)) === (visible ? 'visible' : 'hidden'), 10_000);
    };
    let published = 0;
    /** Publishes EACH messages; returns who handled them (by tab label), once they all were. */
    const phase = async (): Promise<Record<string, number>> => {
      const first = published;
      for (const _ of range(EACH)) await push.server.publish(channel, { n: published++ });
      const calls = await observer.waitForAll(published);
      return callsByTab(calls.filter((call) => call.n >= first));
    };

    await show(tabs[1]!, false);
    await show(tabs[2]!, false);
    const shown = await phase();
    t.diagnostic(`tab0 shown, tab1 and tab2 minimised: ${JSON.stringify(shown)}`);
    assert.deepEqual(shown, { tab0: EACH }, 'the visible tab, though the hidden ones attached later');

    await show(tabs[2]!, true);
    await show(tabs[0]!, false);
    const switched = await phase();
    t.diagnostic(`tab2 shown, tab0 minimised: ${JSON.stringify(switched)}`);
    assert.deepEqual(switched, { tab2: EACH }, 'the one shown last');

    await show(tabs[1]!, true);
    await show(tabs[2]!, false);
    await show(tabs[1]!, false);
    const hidden = await phase();
    t.diagnostic(`all minimised, tab1 last: ${JSON.stringify(hidden)}`);
    assert.deepEqual(hidden, { tab1: EACH }, 'all hidden: the one hidden last');

    const calls = await observer.calls();
    assert.equal(calls.length, published, 'no message handled twice');
    await waitFor('every tab to have every message (every-tab)', async () => (await Promise.all(tabs.map(everyTabReceived))).every((got) => got.length >= published), 15_000);
    for (const [i, tab] of tabs.entries()) assert.deepEqual(await everyTabReceived(tab), range(published), `tab${i} (every-tab): every message once, in order`);
  } finally {
    for (const tab of windows) await tab.close().catch(() => undefined);
  }
});

// `direct` only: a frozen page (Page Lifecycle `freeze`) says bye, and a message its page has yet
// to run stays its own (it runs on resume): another tab takes over at once, none lost, none twice.
test('direct, sse: the handling tab is frozen mid-stream (CDP Page.setWebLifecycleState), then active again: another tab takes over at once, each message handled once', { timeout: 120_000 }, async (t) => {
  const channel = 'one-tab-direct-freeze';
  const count = 150;
  const windows = await openWindows(chromium, 4);
  try {
    const [observerPage, ...tabs] = windows as [Page, Page, Page, Page];
    const observer = await openObserver(chromium.context, pages.url, observerPage, channel);
    for (const [i, tab] of tabs.entries()) {
      await tab.goto(oneTabUrl(pages.url, `tab${i}`, { server: push.url, channel, transport: 'sse', host: 'direct', slow: 20, counter: channel }));
      await oneTabReady(tab, `tab${i}`);
    }
    const sessions = await Promise.all(tabs.map((tab) => chromium.context.newCDPSession(tab)));
    let frozen = -1;
    let takeover = NaN;
    for (const n of range(count)) {
      await push.server.publish(channel, { n });
      if (n === 50) {
        const label = await waitFor('a tab to handle one-tab messages', () => observer.lastTab(), 20_000);
        frozen = Number(label.slice('tab'.length));
        const before = (await observer.calls()).length;
        const at = Date.now();
        await sessions[frozen]!.send('Page.setWebLifecycleState', { state: 'frozen' });
        await waitFor('another tab to take over', async () => (await observer.calls()).slice(before).some((call) => call.tab !== label), 10_000);
        takeover = Date.now() - at;
      }
      if (n === 100) {
        await sessions[frozen]!.send('Page.setWebLifecycleState', { state: 'active' });
        // `active` leaves the page hidden (a real browser resumes a page as it is shown): show it.
        await setMinimized(chromium.context, tabs[frozen]!, true);
        await setMinimized(chromium.context, tabs[frozen]!, false);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const calls = await observer.waitForAll(count, 60_000);
    t.diagnostic(`calls by tab: ${JSON.stringify(callsByTab(calls))}; tab${frozen} frozen at 50, active at 100; another tab handled within ${takeover} ms`);
    assertHandledOnceEach(calls, count);
    assert.ok(takeover < SUSPECT_MS, `another tab handled within ${takeover} ms of the freeze, not after SUSPECT_MS`);
    await waitFor('every tab, the frozen one too, to have every message (every-tab)', async () => (await Promise.all(tabs.map(everyTabReceived))).every((got) => got.at(-1) === count - 1), 30_000);
    for (const tab of tabs) assert.deepEqual(await everyTabReceived(tab), range(count), 'every-tab: every message once, in order');
  } finally {
    for (const tab of windows) await tab.close().catch(() => undefined);
  }
});
