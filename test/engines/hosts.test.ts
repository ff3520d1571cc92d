// The service-worker and leader hosts (README, "Hosts"), the same test body in Chromium, Firefox
// and WebKit, their holder killed or closed under load:
//  - service-worker: 6 tabs, ONE upstream at the server; the hub's Service Worker killed twice
//    while messages flow — unregistered from a page: tabmux's worker controls no page, so the
//    browser clears the registration and terminates the worker at once (Service Workers §
//    "Unregister", "Try Clear Registration"), the one way to kill it that every engine offers to
//    page code. The tabs start a fresh worker and resume from their cursors: 0 lost, 0 duplicated.
//  - leader: 6 tabs; the leading tab closed mid-stream; the next leads; 0 lost, 0 duplicated in the
//    5 others, back to one upstream. And a leader hidden (its window minimised) hands over to a
//    visible tab once hidden for the grace (src/hosts/leader/visible-leader.ts), nothing lost. Which tab leads is seen from the pages: the leader's in-page
//    hub opens the upstream with the page's own fetch (pages/watch-upstreams.js records it).
//  - a hidden tab publishes after its Service Worker ended while every tab was hidden: the call was
//    provably never sent (the tab's link had seen the worker's life lock go), so it is made on a
//    fresh hub and succeeds the first time.
// Not driven here: the Service Worker stopped by the browser for being idle, or by the DevTools
// protocol, and a leader crashed or frozen (Page.crash, Page.setWebLifecycleState): Chromium only
// (test/e2e/host-service-worker*.test.ts, host-leader.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readMetric, range } from '../helpers/browser.js';
import { eachEngine } from '../helpers/engines/engine-suite.js';
import { allHave, debugOf, openTabs, received, upstreamsOf, visibilityOf } from '../helpers/engines/tabs.js';
import { HIDDEN_LEADER_GRACE_MS } from '../../src/hosts/leader/visible-leader.js';
import type { EngineTab } from '../helpers/engines/types.js';
import { waitFor } from '../helpers/wait.js';

const TABS = 6;
const MESSAGES = 150;
/** The publisher's pace: messages keep flowing through each kill and hand-over. */
const PUBLISH_EVERY_MS = 20;

interface Hub {
  host: string;
  hubId: string;
  tabs: number;
}

eachEngine({ server: { retry: 50 } }, ({ name, engine, push, pages }) => {
  const tabUrl = (channel: string, host: string) => `${pages.url}/pages/tab.html?server=${encodeURIComponent(push.url)}&channels=${channel}&transport=sse&host=${host}`;
  const oneUpstream = (what: string) => waitFor(what, async () => (await readMetric(push.url, 'tabmux_connections')) === 1, 30_000);

  /** Publishes MESSAGES on `channel` at a steady pace, calling `at[n]` (awaited) after message n. */
  async function publishSteadily(channel: string, at: Record<number, () => Promise<void>>): Promise<void> {
    for (const n of range(MESSAGES)) {
      await push.server.publish(channel, { n });
      await at[n]?.();
      await new Promise((resolve) => setTimeout(resolve, PUBLISH_EVERY_MS));
    }
  }

  async function assertAllReceived(tabs: readonly EngineTab[], channel: string): Promise<void> {
    await waitFor(`every tab to have ${MESSAGES} messages`, allHave(tabs, channel, MESSAGES), 30_000, 200);
    for (const [i, tab] of tabs.entries()) assert.deepEqual((await received(tab))[channel], range(MESSAGES), `tab ${i}: every message once, in order`);
  }

  test(`${name}: ${TABS} tabs on the service-worker host, 1 upstream; the Service Worker killed twice while ${MESSAGES} messages flow: 0 lost, 0 duplicated`, { timeout: 240_000 }, async () => {
    const channel = 'sw-killed';
    const context = await engine.newContext();
    try {
      const tabs = await openTabs(context, TABS, () => tabUrl(channel, 'service-worker'));
      await oneUpstream('one upstream for the Service Worker hub');
      const first = await debugOf<Hub>(tabs[0]!);
      assert.deepEqual({ host: first.host, tabs: first.tabs }, { host: 'service-worker', tabs: TABS });
      const hubIds = new Set([first.hubId]);
      const kill = async () => {
        const unregistered = await tabs[1]!.evaluate(async () => {
          const registrations = await navigator.serviceWorker.getRegistrations();
          const ours = registrations.filter((registration) => registration.scope.endsWith('/__tabmux__/'));
          return Promise.all(ours.map((registration) => registration.unregister()));
        });
        assert.deepEqual(unregistered, [true], "tabmux's registration, cleared");
        const next = await waitFor(
          'a fresh hub serving every tab',
          async () => {
            const hub = await debugOf<Hub>(tabs[0]!).catch(() => undefined);
            return hub && !hubIds.has(hub.hubId) && hub.tabs === TABS ? hub.hubId : undefined;
          },
          30_000,
          200,
        );
        hubIds.add(next);
      };
      await publishSteadily(channel, { 40: kill, 100: kill });
      assert.equal(hubIds.size, 3, 'two kills, three hubs');
      await assertAllReceived(tabs, channel);
      await oneUpstream('one upstream again');
      const last = await debugOf<Hub>(tabs[TABS - 1]!);
      assert.deepEqual({ host: last.host, tabs: last.tabs }, { host: 'service-worker', tabs: TABS });
    } finally {
      await context.close();
    }
  });

  test(`${name}: ${TABS} tabs on the leader host, 1 upstream; the leading tab closed while ${MESSAGES} messages flow: the next leads, 0 lost, 0 duplicated`, { timeout: 240_000 }, async () => {
    const channel = 'leader-closed';
    const context = await engine.newContext();
    try {
      const tabs = await openTabs(context, TABS, () => tabUrl(channel, 'leader'));
      await oneUpstream('one upstream for the leader host');
      const leaders = async () => {
        const opened = await Promise.all(tabs.map(upstreamsOf));
        return tabs.filter((_, i) => opened[i]!.length > 0);
      };
      const [leader, ...none] = await leaders();
      assert.ok(leader && none.length === 0, 'one tab opened the upstream');
      const hub = await debugOf<Hub>(tabs[TABS - 1]!);
      assert.deepEqual({ host: hub.host, tabs: hub.tabs }, { host: 'leader', tabs: TABS });
      const others = tabs.filter((tab) => tab !== leader);
      await publishSteadily(channel, { 50: () => leader.close() });
      const next = await waitFor('another tab to lead (open the upstream)', async () => {
        const opened = await Promise.all(others.map(upstreamsOf));
        return others.find((_, i) => opened[i]!.length > 0);
      }, 30_000);
      await assertAllReceived(others, channel);
      await oneUpstream('one upstream after the hand-over');
      const after = await debugOf<Hub>(next);
      assert.deepEqual({ host: after.host, tabs: after.tabs }, { host: 'leader', tabs: TABS - 1 }, 'the 5 tabs left, on the new leader');
    } finally {
      await context.close();
    }
  });

  test(`${name}: a leader hidden for the grace hands over to a visible tab; every tab, the hidden one too, gets every message once`, { timeout: 180_000 }, async () => {
    const channel = 'leader-hidden';
    const context = await engine.newContext();
    try {
      const tabs = await openTabs(context, 3, () => tabUrl(channel, 'leader'));
      await oneUpstream('one upstream for the leader host');
      const opened = async () => Promise.all(tabs.map(async (tab) => (await upstreamsOf(tab)).length));
      const before = await opened();
      const leader = tabs[before.findIndex((count) => count > 0)]!;
      let n = 0;
      const publish = async (count: number) => {
        for (let i = 0; i < count; i++) await push.server.publish(channel, { n: n++ });
      };
      await publish(10);
      const hiddenAt = Date.now(); // the page is hidden after this, and its grace starts then
      await leader.setHidden(true);
      await waitFor('the leader page to report hidden', async () => (await visibilityOf(leader)) === 'hidden', 10_000);
      await publish(10);
      const next = await waitFor(
        'a visible tab to lead (open the upstream)',
        async () => {
          const now = await opened();
          return tabs.find((tab, i) => tab !== leader && now[i]! > before[i]!);
        },
        HIDDEN_LEADER_GRACE_MS + 20_000,
        100,
      );
      const after = Date.now() - hiddenAt;
      console.log(`# ${name}: a visible tab led ${after} ms after the leader was hidden (grace ${HIDDEN_LEADER_GRACE_MS} ms)`);
      assert.ok(after >= HIDDEN_LEADER_GRACE_MS, `not before the grace (${after} ms)`);
      assert.equal(await visibilityOf(next), 'visible');
      await publish(10);
      await waitFor('every tab to have 30 messages', allHave(tabs, channel, 30), 30_000, 200);
      for (const [i, tab] of tabs.entries()) assert.deepEqual((await received(tab))[channel], range(30), `tab ${i}: every message once, in order`);
      await oneUpstream('one upstream after the hand-over');
      assert.deepEqual(await debugOf<Hub>(leader).then((hub) => ({ host: hub.host, tabs: hub.tabs })), { host: 'leader', tabs: 3 }, 'the old leader follows the new one');
      await leader.setHidden(false);
    } finally {
      await context.close();
    }
  });

  test(`${name}: every tab hidden, the Service Worker ended: a hidden tab's publish is made on a fresh hub and succeeds the first time`, { timeout: 180_000 }, async () => {
    const channel = 'sw-hidden';
    const context = await engine.newContext();
    try {
      const tabs = await openTabs(context, 3, () => `${tabUrl(channel, 'service-worker')}&pause=1`);
      await oneUpstream('one upstream for the Service Worker hub');
      for (const tab of tabs) await tab.setHidden(true);
      for (const tab of tabs) await waitFor('every page to report hidden', async () => (await visibilityOf(tab)) === 'hidden', 10_000);
      await waitFor('0 upstreams (every tab hidden: the hub pauses after 1 s)', async () => (await readMetric(push.url, 'tabmux_connections')) === 0, 20_000);
      const workerLocks = () =>
        tabs[0]!.evaluate(async () => {
          const { held = [], pending = [] } = await navigator.locks.query();
          return [...held, ...pending].filter((lock) => lock.name?.startsWith('tabmux-sw:')).length;
        });
      assert.ok((await workerLocks()) > 0, "the worker's life lock is held, the tabs' requests for it wait");
      await tabs[0]!.evaluate(async () => {
        for (const registration of await navigator.serviceWorker.getRegistrations()) if (registration.scope.endsWith('/__tabmux__/')) await registration.unregister();
      });
      // Granted to every tab's link when the worker ends, and let go at once: then none is left.
      await waitFor("the tabs to learn that the worker ended (its life lock gone, their requests granted)", async () => (await workerLocks()) === 0, 20_000, 100);
      const outcome = await tabs[2]!.evaluate(() =>
        (window as unknown as { mux: { publish(c: string, d: unknown): Promise<{ id: string }> } }).mux.publish('sw-hidden-pub', { n: 0 }).then(
          (result) => `id:${typeof result.id}`,
          (error: { code?: string }) => String(error.code),
        ),
      );
      assert.equal(outcome, 'id:string', 'published by a fresh hub at the first call, not TABMUX_ERR_HUB_GONE');
      assert.equal(await visibilityOf(tabs[2]!), 'hidden');
    } finally {
      await context.close();
    }
  });
});
