// One-tab delivery (README, One tab per message), in Chromium, over each transport, on the
// shared-worker host (one hub for every tab) and on `direct` (every tab its own hub and upstream:
// the tabs agree over a BroadcastChannel, worker/one-tab-peers.ts; a crashed tab is found out by
// the others within SUSPECT_MS + PING_MS). Five tabs subscribe one channel both ways, each one-tab call working 20 ms; 300
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
import { launchChromium, onPlainHttp, PLAIN_HTTP_ARGS } from '../helpers/chromium.js';
import { range } from '../helpers/browser.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { assertHandledOnceEach, callsByTab, everyTabReceived, oneTabReady, oneTabUrl, openObserver, type OneTabPage } from '../helpers/one-tab-calls.js';
import { debugWithin } from '../helpers/page-debug.js';
import type { OneTabSnapshot } from '../../src/hub-protocol/hub-api.js';
import { SUSPECT_MS } from '../../worker/one-tab-peers.js';

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

// PLAIN_HTTP_ARGS: the pages can be reached on plain http too (not a secure context).
const { push, pages, browser } = e2eFixture({ server: { retry: 50 }, launch: () => launchChromium(PLAIN_HTTP_ARGS) });

interface Setup {
  readonly host: 'shared-worker' | 'direct' | 'auto';
  readonly transport: 'sse' | 'ws' | 'poll';
  /** The pages on plain http (no Web Locks, no Service Worker) and without SharedWorker: `auto` picks `direct`. */
  readonly plainHttp?: boolean;
}

const SETUPS: readonly Setup[] = [
  ...(['shared-worker', 'direct'] as const).flatMap((host) => (['sse', 'ws', 'poll'] as const).map((transport) => ({ host, transport }))),
  { host: 'auto', transport: 'ws', plainHttp: true },
];

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

for (const { host, transport, plainHttp = false } of SETUPS) {
  const name = plainHttp ? `${host} on plain http without SharedWorker (direct), ${transport}` : `${host}, ${transport}`;
  test(`${name}: 300 messages, the handling tab closed and the next one crashed mid-stream, a tab joining: each handled by exactly one tab; every-tab subscribers get all 300`, { timeout: 180_000 }, async (t) => {
    const channel = `one-tab-${host}-${transport}`;
    const page: OneTabPage = { server: push.url, channel, transport, host, slow: SLOW_MS, noSharedWorker: plainHttp };
    const direct = host === 'direct' || plainHttp;
    const pagesUrl = plainHttp ? onPlainHttp(pages.url) : pages.url;
    const context = await browser.newContext();
    try {
      const observer = await openObserver(context, pagesUrl);
      const tabs = new Map<string, Page>();
      const sessions = new Map<string, CDPSession>();
      const open = async (label: string) => {
        const tab = await context.newPage();
        tab.on('pageerror', (error) => console.error(`${label}: ${error.message}`));
        await tab.goto(oneTabUrl(pagesUrl, label, page));
        await oneTabReady(tab, label);
        tabs.set(label, tab);
        sessions.set(label, await context.newCDPSession(tab));
      };
      for (const i of range(TABS)) await open(`tab${i}`);
      /** The tab that handles the burst now: the one that handled its first message. */
      const handling = (burst: { from: number }) => waitFor(`a tab to handle message ${burst.from}`, async () => (await observer.calls()).find((call) => call.n === burst.from)?.tab, 20_000);
      const gone: string[] = [];
      /** How long after each tab went another one handled a message of its burst or later (ms). */
      const takeover: number[] = [];
      const watchTakeover = (label: string, from: number) => {
        const at = Date.now();
        const index = takeover.push(NaN) - 1;
        void waitFor(`a tab other than ${label} to handle message ${from} or later`, async () => (await observer.calls()).some((call) => call.n >= from && call.tab !== label), 60_000)
          .then(() => (takeover[index] = Date.now() - at))
          .catch(() => undefined);
      };
      /** A burst fully published, whose handling tab is to go once it holds unhandled messages. */
      let due: (typeof BURSTS)[number] | undefined;
      for (const n of range(MESSAGES)) {
        await push.server.publish(channel, { n });
        const burst = BURSTS.find(({ from, to }) => n >= from && n <= to);
        if (burst && n === burst.to) due = burst;
        if (due) {
          // The tab goes while messages of the burst are still unhandled (handed to it or waiting
          // for it): on a loaded machine publishing can be slower than handling, and a tab that
          // had caught up when it went would prove nothing. The burst goes on until then (40 more
          // at most, then it goes anyway).
          const { from } = due;
          const handled = (await observer.calls()).filter((call) => call.n >= from && call.n <= n).length;
          if (n + 1 - from - handled >= 5 || n >= due.to + 40) {
            const label = await handling(due);
            gone.push(label);
            if (gone.length === 1) await tabs.get(label)!.close();
            else await crash(tabs.get(label)!, sessions.get(label)!);
            watchTakeover(label, from);
            due = undefined;
          }
        }
        if (n === 200) await open('late');
        await new Promise((resolve) => setTimeout(resolve, burst || due ? 2 : PUBLISH_EVERY_MS));
      }
      const calls = await observer.waitForAll(MESSAGES, 60_000);
      const [closed, crashed] = gone as [string, string];
      t.diagnostic(`calls by tab: ${JSON.stringify(callsByTab(calls))}; closed ${closed}, crashed ${crashed}; another tab handled within ${takeover.join(' and ')} ms`);
      assertHandledOnceEach(calls, MESSAGES, [closed, crashed]);
      assert.notEqual(closed, crashed, 'the crashed tab took over from the closed one');
      for (const [i, label] of gone.entries()) {
        const { from, to } = BURSTS[i]!;
        const inBurst = calls.filter((call) => call.n >= from && call.n <= to + 40);
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
      if (direct) {
        // A closed tab said bye (pagehide): the next one took over without waiting out SUSPECT_MS.
        assert.ok(takeover[0]! < SUSPECT_MS, `after the close, another tab handled within ${takeover[0]} ms`);
        // Each tab's own hub tells how the tabs share the channel: the same mark, one handler.
        const views = await Promise.all(alive.map(([, tab]) => debugWithin<{ host: string; channels: Record<string, { oneTab?: OneTabSnapshot }> }>(tab, 5000)));
        t.diagnostic(`direct, one-tab across the tabs: ${JSON.stringify(views.map((view) => view.channels[channel]?.oneTab?.across))}`);
        assert.deepEqual(views.map((view) => view.host), alive.map(() => 'direct'), 'every tab on its own hub');
        if (plainHttp) {
          const secure = await Promise.all(alive.map(([, tab]) => tab.evaluate(() => isSecureContext)));
          assert.deepEqual(secure, alive.map(() => false), 'not secure contexts: no Web Locks');
        }
        assert.deepEqual(new Set(views.map((view) => view.channels[channel]?.oneTab?.handled)).size, 1, 'one mark in every tab');
        assert.deepEqual(views.map((view) => view.channels[channel]?.oneTab?.across?.tabs), alive.map(() => alive.length), 'each tab counts the tabs left');
        assert.equal(views.filter((view) => view.channels[channel]?.oneTab?.across?.handler === 'this-tab').length, 1, 'one tab hands the channel out');
      }
    } finally {
      await context.close();
    }
  });
}
