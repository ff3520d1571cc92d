// One-tab delivery on the shared-worker host (README, One tab per message), in Chromium, over
// each transport. Five tabs subscribe one channel both ways, each one-tab call working 5 ms; 300
// messages are published steadily, with two bursts of 40 that the handling tab cannot keep up
// with: right after the first, that tab is closed, right after the second, the tab handling them
// then crashes (CDP Page.crash) — both holding messages they were handed and had not handled.
// Then a new tab opens. Every one-tab handler call of every tab is counted as it happens (a
// SharedWorker of the test, read by an observer page), so the calls of the closed and crashed
// tabs count too: each message is handled exactly once across the tabs. The every-tab subscriptions of the same channel are untouched:
// every surviving tab gets all 300, once, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CDPSession, Page } from 'playwright-core';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { range } from '../helpers/browser.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { assertHandledOnceEach, callsByTab, everyTabReceived, oneTabReady, oneTabUrl, openObserver, type OneTabPage } from '../helpers/one-tab-calls.js';

const TABS = 5;
const MESSAGES = 300;
/** The publisher's pace: messages keep flowing while tabs go and come. */
const PUBLISH_EVERY_MS = 10;
/** What a one-tab call works: a burst of 40 keeps the handling tab busy for 800 ms. */
const SLOW_MS = 20;
/** Published 2 ms apart; the handling tab is closed (first) or crashed (second) after the last. */
const BURSTS = [
  { from: 80, to: 119 },
  { from: 160, to: 199 },
];

const { push, pages, browser } = e2eFixture({ server: { retry: 50 } });

/**
 * Crashes the page's renderer (CDP Page.crash, which never answers) and waits for playwright to
 * see it. `cdp` is attached beforehand: attaching to a busy page waits for its queued tasks, and
 * the crash must come while the page still holds messages.
 */
async function crash(page: Page, cdp: CDPSession): Promise<void> {
  const crashed = new Promise<void>((resolve) => page.once('crash', () => resolve()));
  void cdp.send('Page.crash').catch(() => undefined);
  await withTimeout(crashed, 20_000, 'the page to crash');
}

for (const transport of ['sse', 'ws', 'poll'] as const) {
  test(`${transport}: 300 messages, the handling tab closed and the next one crashed mid-stream, a tab joining: each handled by exactly one tab; every-tab subscribers get all 300`, { timeout: 180_000 }, async (t) => {
    const channel = `one-tab-${transport}`;
    const page: OneTabPage = { server: push.url, channel, transport, host: 'shared-worker', slow: SLOW_MS };
    const context = await browser.newContext();
    try {
      const observer = await openObserver(context, pages.url);
      const tabs = new Map<string, Page>();
      const sessions = new Map<string, CDPSession>();
      const open = async (label: string) => {
        const tab = await context.newPage();
        tab.on('pageerror', (error) => console.error(`${label}: ${error.message}`));
        await tab.goto(oneTabUrl(pages.url, label, page));
        await oneTabReady(tab, label);
        tabs.set(label, tab);
        sessions.set(label, await context.newCDPSession(tab));
      };
      for (const i of range(TABS)) await open(`tab${i}`);
      /** The tab that handles the burst now: the one that handled its first message. */
      const handling = (burst: { from: number }) => waitFor(`a tab to handle message ${burst.from}`, async () => (await observer.calls()).find((call) => call.n === burst.from)?.tab, 20_000);
      const gone: string[] = [];
      for (const n of range(MESSAGES)) {
        await push.server.publish(channel, { n });
        const burst = BURSTS.find(({ from, to }) => n >= from && n <= to);
        if (burst && n === burst.to) {
          const label = await handling(burst);
          gone.push(label);
          if (gone.length === 1) await tabs.get(label)!.close();
          else await crash(tabs.get(label)!, sessions.get(label)!);
        }
        if (n === 200) await open('late');
        await new Promise((resolve) => setTimeout(resolve, burst ? 2 : PUBLISH_EVERY_MS));
      }
      const calls = await observer.waitForAll(MESSAGES);
      const [closed, crashed] = gone as [string, string];
      t.diagnostic(`calls by tab: ${JSON.stringify(callsByTab(calls))}; closed ${closed}, crashed ${crashed}`);
      assertHandledOnceEach(calls, MESSAGES);
      assert.notEqual(closed, crashed, 'the crashed tab took over from the closed one');
      for (const [i, label] of gone.entries()) {
        const { from, to } = BURSTS[i]!;
        const inBurst = calls.filter((call) => call.n >= from && call.n <= to);
        assert.ok(inBurst.some((call) => call.tab === label), `${label} handled some of its burst before it went`);
        assert.ok(inBurst.some((call) => call.tab !== label), `what ${label} held when it went was handled by another tab: ${JSON.stringify(callsByTab(inBurst))}`);
      }

      const alive = [...tabs].filter(([label]) => label !== closed && label !== crashed);
      await waitFor('every surviving tab to have every message (every-tab)', async () => (await Promise.all(alive.map(([, tab]) => everyTabReceived(tab)))).every((got) => got.at(-1) === MESSAGES - 1), 30_000);
      for (const [label, tab] of alive) {
        const got = await everyTabReceived(tab);
        if (label === 'late') assert.deepEqual(got, range(MESSAGES).slice(MESSAGES - got.length), 'the late tab: from its subscription on, once, in order');
        else assert.deepEqual(got, range(MESSAGES), `${label} (every-tab): every message once, in order`);
      }
    } finally {
      await context.close();
    }
  });
}
