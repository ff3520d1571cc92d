// One-tab delivery on the other hosts (README, One tab per message; Hosts), in Chromium:
//  - leader: the elected tab runs the hub; it crashes (CDP Page.crash) while 200 messages flow to
//    tabs whose one-tab calls each work 20 ms, then the tab handling them is closed: the next tab
//    leads, re-attaching tabs resume from their marks, each message is handled exactly once;
//  - service-worker: the worker is stopped twice (ServiceWorker.stopAllWorkers) meanwhile: each
//    message exactly once;
//  - direct (every tab its own hub, the tabs agreeing over a BroadcastChannel) is tested with the
//    shared-worker host's scenarios: one-tab-delivery.test.ts and one-tab-visible.test.ts.
// Every one-tab call of every tab is counted as it happens; every-tab subscriptions of the same
// channel get every message, once, in order, in every tab that stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { debugWithin } from '../helpers/page-debug.js';
import { range } from '../helpers/browser.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { assertHandledOnceEach, callsByTab, everyTabReceived, oneTabReady, oneTabUrl, openObserver, type OneTabPage } from '../helpers/one-tab-calls.js';

const TABS = 4;
const MESSAGES = 200;
const PUBLISH_EVERY_MS = 10;
/** What a one-tab call works: slower than the stream, so the handling tab always holds some. */
const SLOW_MS = 20;

const { push, pages, browser } = e2eFixture({ server: { retry: 50 } });

interface Tab {
  readonly label: string;
  readonly page: Page;
  /** Attached at open: attaching to a busy page waits for its queued tasks, a crash must not. */
  readonly cdp: CDPSession;
}

/** Opens `count` tabs of one-tab.html (labels tab0…), each with its CDP session; `watch` sees each page before it loads. */
async function openTabs(context: BrowserContext, count: number, page: OneTabPage, watch: (tab: Page) => void = () => undefined): Promise<Tab[]> {
  const tabs: Tab[] = [];
  for (const i of range(count)) {
    const label = `tab${i}`;
    const tab = await context.newPage();
    tab.on('pageerror', (error) => console.error(`${label}: ${error.message}`));
    watch(tab);
    await tab.goto(oneTabUrl(pages.url, label, page));
    await oneTabReady(tab, label);
    tabs.push({ label, page: tab, cdp: await context.newCDPSession(tab) });
  }
  return tabs;
}

/** Publishes MESSAGES steadily; `at(n)` runs after message n is published (the publisher waits for it). */
async function publishSteadily(channel: string, at: (n: number) => Promise<void>): Promise<void> {
  for (const n of range(MESSAGES)) {
    await push.server.publish(channel, { n });
    await at(n);
    await new Promise((resolve) => setTimeout(resolve, PUBLISH_EVERY_MS));
  }
}

/** One-tab messages a tab holds or that wait in the hub for it: the hub's own count, read from `tab`. */
async function heldInHub(tab: Tab, channel: string): Promise<number> {
  const debug = await debugWithin<{ channels: Record<string, { oneTab?: { inFlight: number; waiting: number } }> }>(tab.page, 5000);
  const oneTab = debug.channels[channel]?.oneTab;
  return (oneTab?.inFlight ?? 0) + (oneTab?.waiting ?? 0);
}

async function assertEveryTabGotAll(tabs: readonly Tab[]): Promise<void> {
  await waitFor('every tab to have every message (every-tab)', async () => (await Promise.all(tabs.map((tab) => everyTabReceived(tab.page)))).every((got) => got.at(-1) === MESSAGES - 1), 30_000);
  for (const tab of tabs) assert.deepEqual(await everyTabReceived(tab.page), range(MESSAGES), `${tab.label} (every-tab): every message once, in order`);
}

test('leader: the leader tab crashes, then the tab handling one-tab messages is closed, while 200 flow: each handled by exactly one tab', { timeout: 180_000 }, async (t) => {
  const channel = 'one-tab-leader';
  const context = await browser.newContext();
  try {
    const observer = await openObserver(context, pages.url);
    // The leader is the page whose requests include the upstream (as in host-leader.test.ts).
    let leader: Page | undefined;
    const watch = (page: Page) => page.on('request', (request) => new URL(request.url()).pathname.startsWith('/sse') && (leader = page));
    const tabs = await openTabs(context, TABS, { server: push.url, channel, transport: 'sse', host: 'leader', slow: SLOW_MS }, watch);
    await waitFor('a tab to lead (open the upstream)', () => leader, 10_000);
    const gone = new Set<Tab>();
    const held: number[] = [];
    let crashedLeader = false;
    const goneLabels: string[] = [];
    let closedOwner = false;
    await publishSteadily(channel, async (n) => {
      // Each fault waits for a moment when the handling tab holds one-tab messages (from message
      // 60, then 130, on): at a moment when it holds none it would prove nothing, and on a loaded
      // machine the exact message number can be such a moment.
      if (n >= 60 && !crashedLeader) {
        const old = tabs.find((tab) => tab.page === leader)!;
        const count = await heldInHub(old, channel);
        if (count === 0 && n < 120) return;
        crashedLeader = true;
        goneLabels.push(old.label);
        held.push(count);
        gone.add(old);
        const crashed = new Promise<void>((resolve) => old.page.once('crash', () => resolve()));
        void old.cdp.send('Page.crash').catch(() => undefined); // never answers: the renderer is gone
        await withTimeout(crashed, 20_000, 'the leader page to crash');
        await waitFor('another tab to lead', () => leader !== old.page, 30_000);
        t.diagnostic(`the leader ${old.label} crashed`);
      }
      if (n >= 130 && !closedOwner) {
        const label = await waitFor('a tab to handle one-tab messages', () => observer.lastTab(), 20_000);
        const owner = tabs.find((tab) => tab.label === label)!;
        const count = await heldInHub(owner, channel);
        if (count === 0 && n < 190) return;
        closedOwner = true;
        goneLabels.push(label);
        held.push(count);
        gone.add(owner);
        await owner.page.close();
        t.diagnostic(`${label}, handling one-tab messages, closed${owner.page === leader ? ' (it led)' : ''}`);
      }
    });
    t.diagnostic(`one-tab messages held or waiting at the crash and at the close: ${held.join(', ')}`);
    assert.ok(held.every((count) => count > 0), 'each time, the handling tab held one-tab messages');
    const calls = await observer.waitForAll(MESSAGES, 60_000);
    t.diagnostic(`calls by tab: ${JSON.stringify(callsByTab(calls))}`);
    assertHandledOnceEach(calls, MESSAGES, goneLabels);
    const left = tabs.filter((tab) => !gone.has(tab));
    await assertEveryTabGotAll(left);
    const hub = await debugWithin<{ host: string; tabs: number }>(left[0]!.page, 10_000);
    assert.deepEqual({ host: hub.host, tabs: hub.tabs }, { host: 'leader', tabs: left.length }, 'the tabs left attached to one leader');
  } finally {
    await context.close();
  }
});

test('service-worker: the worker is stopped twice (ServiceWorker.stopAllWorkers) while 200 flow: each handled by exactly one tab', { timeout: 180_000 }, async (t) => {
  const channel = 'one-tab-sw';
  const context = await browser.newContext();
  try {
    const observer = await openObserver(context, pages.url);
    const tabs = await openTabs(context, TABS, { server: push.url, channel, transport: 'sse', host: 'service-worker', slow: SLOW_MS });
    const hubId = async () => (await debugWithin<{ hubId: string; tabs: number }>(tabs[0]!.page, 5000).catch(() => undefined));
    await tabs[0]!.cdp.send('ServiceWorker.enable');
    const hubIds = new Set([(await hubId())!.hubId]);
    const held: number[] = [];
    await publishSteadily(channel, async (n) => {
      // From message 60, then 130, the first moment a tab holds one-tab messages (see the leader test).
      const due = held.length === 0 ? n >= 60 : held.length === 1 ? n >= 130 : false;
      if (!due) return;
      const count = await heldInHub(tabs[0]!, channel);
      if (count === 0 && n < (held.length === 0 ? 120 : 190)) return;
      held.push(count);
      await tabs[0]!.cdp.send('ServiceWorker.stopAllWorkers');
      // Publishing waits until every tab is on a fresh hub: the next stop falls inside the stream.
      const next = await waitFor('a fresh hub serving every tab', async () => {
        const d = await hubId();
        return d && !hubIds.has(d.hubId) && d.tabs === TABS ? d.hubId : undefined;
      }, 30_000, 200);
      hubIds.add(next);
    });
    assert.equal(hubIds.size, 3, 'two stops, three hubs');
    t.diagnostic(`one-tab messages held or waiting at each stop: ${held.join(', ')}`);
    assert.ok(held.every((count) => count > 0), 'each stop came while a tab held one-tab messages');
    const calls = await observer.waitForAll(MESSAGES, 60_000);
    t.diagnostic(`calls by tab: ${JSON.stringify(callsByTab(calls))}`);
    assertHandledOnceEach(calls, MESSAGES);
    await assertEveryTabGotAll(tabs);
  } finally {
    await context.close();
  }
});
