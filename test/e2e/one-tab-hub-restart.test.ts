// One-tab delivery across hub restarts (README, One tab per message): the SharedWorker is
// terminated twice through the DevTools protocol while 200 messages are published steadily to
// tabs whose one-tab calls each work 20 ms, so the tab handling them holds unacknowledged ones
// when its hub dies. The tabs attach to a fresh hub and re-subscribe from their one-tab marks; the
// fresh hub waits until every tab is back before it hands anything out, so the handling tab's
// own progress counts. Every one-tab call of every tab is counted as it happens: each message is
// handled exactly once; the every-tab subscriptions of the channel get all 200, once, in order.
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import assert from 'node:assert/strict';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { debugOf } from '../helpers/page-debug.js';
import { sharedWorkers } from '../helpers/cdp-targets.js';
import { range } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';
import { assertHandledOnceEach, callsByTab, everyTabReceived, oneTabReady, oneTabUrl, openObserver } from '../helpers/one-tab-calls.js';

const TABS = 4;
const MESSAGES = 200;
const PUBLISH_EVERY_MS = 10;
/** What a one-tab call works: slower than the stream, so the handling tab always holds some. */
const SLOW_MS = 20;
/** The hub is terminated after these messages are published. */
const KILL_AT = [60, 130];

const { push, pages, browser, cdp } = e2eFixture({ server: { retry: 50 }, cdp: true });

for (const transport of ['sse', 'ws'] as const) {
  test(`${transport}: the SharedWorker is terminated twice while a tab holds one-tab messages: each of 200 handled by exactly one tab, none twice; every-tab gets all 200`, { timeout: 180_000 }, async (t) => {
    const channel = `one-tab-restart-${transport}`;
    // A worker of an earlier test may still be shutting down: consider only the ones born here.
    const earlier = new Set((await sharedWorkers(cdp)).map((w) => w.targetId));
    const context = await browser.newContext();
    try {
      const observer = await openObserver(context, pages.url);
      const tabs: Page[] = [];
      for (const i of range(TABS)) {
        const tab = await context.newPage();
        tab.on('pageerror', (error) => console.error(`tab${i}: ${error.message}`));
        await tab.goto(oneTabUrl(pages.url, `tab${i}`, { server: push.url, channel, transport, host: 'shared-worker', slow: SLOW_MS }));
        await oneTabReady(tab, `tab${i}`);
        tabs.push(tab);
      }
      const hubId = () => debugOf<{ hubId: string }>(tabs[0]!).then((d) => d.hubId);
      const hubIds = new Set([await hubId()]);
      const inFlightAtKill: number[] = [];
      for (const n of range(MESSAGES)) {
        await push.server.publish(channel, { n });
        // From each KILL_AT on, the first moment a tab holds one-tab messages (a kill while none
        // are held proves nothing, and on a loaded machine the exact number can be such a moment).
        const due = inFlightAtKill.length < KILL_AT.length && n >= KILL_AT[inFlightAtKill.length]!;
        const debug = due ? await debugOf<{ channels: Record<string, { oneTab?: { inFlight: number; waiting: number } }> }>(tabs[0]!) : undefined;
        const held = (debug?.channels[channel]?.oneTab?.inFlight ?? 0) + (debug?.channels[channel]?.oneTab?.waiting ?? 0);
        if (due && (held > 0 || n >= KILL_AT[inFlightAtKill.length]! + 50)) {
          inFlightAtKill.push(held);
          const workers = (await sharedWorkers(cdp)).filter((w) => w.url.endsWith('/tabmux-worker.js') && !earlier.has(w.targetId));
          assert.equal(workers.length, 1, 'one hub for all tabs');
          const { success } = (await cdp.send('Target.closeTarget', { targetId: workers[0]!.targetId })) as { success: boolean };
          assert.ok(success, 'Target.closeTarget');
          await waitFor('the old worker to be gone', async () => !(await sharedWorkers(cdp)).some((w) => w.targetId === workers[0]!.targetId));
          // Publishing goes on while the tabs re-attach; the next kill only once they have.
          const id = await waitFor('a new hub serving every tab', async () => {
            const d = await Promise.race([debugOf<{ hubId: string; tabs: number }>(tabs[0]!), new Promise<undefined>((resolve) => setTimeout(resolve, 1000))]);
            return d && !hubIds.has(d.hubId) && d.tabs === TABS ? d.hubId : undefined;
          }, 30_000);
          hubIds.add(id);
        }
        await new Promise((resolve) => setTimeout(resolve, PUBLISH_EVERY_MS));
      }
      t.diagnostic(`one-tab messages held or waiting in the hub when it was killed: ${inFlightAtKill.join(', ')}`);
      assert.equal(hubIds.size, 3, 'two restarts, three hubs');
      assert.ok(inFlightAtKill.every((held) => held > 0), 'each kill came while a tab held one-tab messages');
      const calls = await observer.waitForAll(MESSAGES, 60_000);
      t.diagnostic(`calls by tab: ${JSON.stringify(callsByTab(calls))}`);
      assertHandledOnceEach(calls, MESSAGES);
      await waitFor('every tab to have every message (every-tab)', async () => (await Promise.all(tabs.map(everyTabReceived))).every((got) => got.at(-1) === MESSAGES - 1), 30_000);
      for (const [i, tab] of tabs.entries()) assert.deepEqual(await everyTabReceived(tab), range(MESSAGES), `tab${i} (every-tab): 0 lost, 0 duplicated`);
    } finally {
      await context.close();
    }
  });
}
