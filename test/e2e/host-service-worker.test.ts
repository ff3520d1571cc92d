// The service-worker host (README, section "Hosts") in real Chromium with a real push server: the same hub script
// (dist/worker.js) registered as a Service Worker under /__tabmux__/, every tab forced to
// `host: 'service-worker'`.
//  1. 8 tabs → ONE upstream connection at the server (fetch-streamed SSE, or a WebSocket); 200
//     messages each, in order, none twice.
//  2. The worker stopped through the DevTools protocol (`ServiceWorker.stopAllWorkers`) three
//     times while messages flow: the tabs learn it from the hub's death lock, start a fresh worker
//     and resume from the cursors they mirror — 0 lost, 0 duplicated, and one upstream again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { debugWithin } from '../helpers/page-debug.js';
import { openTabs, range, readMetric, received } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';

const TABS = 8;
const MESSAGES = 200;
const SSE = '{transport="sse"}';

const { push, pages, browser } = e2eFixture({ server: { retry: 50 } });

interface Debug {
  host: string;
  hubId: string;
  tabs: number;
  transport: string | null;
}
const debug = (page: Page) => debugWithin<Debug>(page, 5000);
const tabUrl = (channel: string, transport = 'sse') => `${pages.url}/pages/tab.html?server=${encodeURIComponent(push.url)}&channels=${channel}&transport=${transport}&host=service-worker`;

/** Every tab has `count` messages of `channel` (or more: the deepEqual after says which). */
const allHave = (tabs: Page[], channel: string, count: number) => async () => (await Promise.all(tabs.map(received))).every((r) => (r[channel]?.length ?? 0) >= count);

interface WorkerVersion {
  versionId: string;
  scriptURL: string;
  runningStatus: string;
  status: string;
}

/** Watches the origin's Service Workers through a page's CDP session (`ServiceWorker` domain). */
async function watchWorkers(context: BrowserContext, page: Page): Promise<{ cdp: CDPSession; stopped: () => number; running: () => WorkerVersion[] }> {
  const cdp = await context.newCDPSession(page);
  const versions = new Map<string, WorkerVersion>();
  let stopped = 0;
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions: updated }: { versions: WorkerVersion[] }) => {
    for (const version of updated) {
      if (!version.scriptURL.endsWith('/tabmux-worker.js')) continue;
      const before = versions.get(version.versionId);
      if (before && before.runningStatus !== 'stopped' && version.runningStatus === 'stopped') stopped++;
      versions.set(version.versionId, version);
    }
  });
  await cdp.send('ServiceWorker.enable');
  return { cdp, stopped: () => stopped, running: () => [...versions.values()].filter((v) => v.runningStatus === 'running') };
}

for (const transport of ['sse', 'ws'] as const) {
  test(`8 tabs on the service-worker host (${transport}): exactly 1 upstream connection, 200 messages each, in order, none twice`, { timeout: 120_000 }, async () => {
    const channel = `sw-fanout-${transport}`;
    const label = `{transport="${transport}"}`;
    const context = await browser.newContext();
    try {
      const tabs = await openTabs(context, TABS, () => tabUrl(channel, transport));
      await waitFor(`exactly one ${transport} upstream at the server`, async () => (await readMetric(push.url, 'tabmux_connections', label)) === 1, 20_000);
      // Each context is a fresh profile: the first tab registered the worker.
      const registrations = await tabs[0]!.evaluate(() => navigator.serviceWorker.getRegistrations().then((all) => all.map((r) => ({ scope: r.scope, script: r.active?.scriptURL }))));
      assert.deepEqual(registrations, [{ scope: `${pages.url}/__tabmux__/`, script: `${pages.url}/tabmux-worker.js` }], 'one registration, under a scope no page lives in');
      assert.equal(await tabs[0]!.evaluate(() => navigator.serviceWorker.controller), null, "tabmux's worker controls no page");
      for (const [i, tab] of tabs.entries()) {
        const d = await debug(tab);
        assert.deepEqual({ host: d.host, tabs: d.tabs, transport: d.transport }, { host: 'service-worker', tabs: TABS, transport }, `tab ${i}: the one service-worker hub`);
      }
      for (const n of range(MESSAGES)) await push.server.publish(channel, { n });
      await waitFor(`every tab to have ${MESSAGES} messages`, allHave(tabs, channel, MESSAGES), 30_000);
      for (const [i, tab] of tabs.entries()) assert.deepEqual((await received(tab))[channel], range(MESSAGES), `tab ${i}: every message once, in order`);
      assert.equal(await readMetric(push.url, 'tabmux_connections'), 1, 'still one upstream, of any transport');
    } finally {
      await context.close();
    }
  });
}

test('the Service Worker stopped 3 times (ServiceWorker.stopAllWorkers) while 200 messages flow: 0 lost, 0 duplicated, 1 upstream after', { timeout: 180_000 }, async () => {
  const channel = 'sw-stop';
  const context = await browser.newContext();
  try {
    const tabs = await openTabs(context, TABS, () => tabUrl(channel));
    const workers = await watchWorkers(context, tabs[0]!);
    await waitFor('one SSE upstream', async () => (await readMetric(push.url, 'tabmux_connections', SSE)) === 1, 20_000);
    const hubIds = new Set([(await debug(tabs[0]!)).hubId]);
    /** A hub none of the earlier ones, serving every tab again (all re-attached). */
    const nextHub = () =>
      waitFor(
        'a fresh hub serving all tabs',
        async () => {
          const d = await debug(tabs[0]!).catch(() => undefined);
          return d && !hubIds.has(d.hubId) && d.tabs === TABS ? d.hubId : undefined;
        },
        30_000,
        200,
      );

    // The publisher runs steadily on its own; each stop happens while it publishes, and it only
    // waits (at 60, 120, 180) for the previous stop to have been recovered, so that all three
    // stops fall inside the stream.
    const STOP_AT = [30, 90, 150];
    const recovered: Array<Promise<unknown>> = [];
    let published = 0;
    const publisher = (async () => {
      for (const n of range(MESSAGES)) {
        const previous = STOP_AT.findIndex((at) => n === at + 30);
        if (previous >= 0) {
          await waitFor(`stop ${previous + 1} to have been made`, () => recovered.length > previous, 60_000);
          await recovered[previous];
        }
        await push.server.publish(channel, { n });
        published = n + 1;
        await new Promise((resolve) => setTimeout(resolve, 25)); // a steady stream, not a burst
      }
    })();
    for (const [i, at] of STOP_AT.entries()) {
      await waitFor(`message ${at} to be published`, () => published >= at, 60_000);
      const before = workers.stopped();
      await workers.cdp.send('ServiceWorker.stopAllWorkers');
      await waitFor(`the hub worker to report stopped (stop ${i + 1})`, () => workers.stopped() > before, 20_000);
      const hub = nextHub().then((id) => hubIds.add(id));
      recovered.push(hub);
      await hub;
    }
    await publisher;
    assert.equal(hubIds.size, STOP_AT.length + 1, 'three stops, four hubs');
    assert.ok(workers.stopped() >= STOP_AT.length, `the worker was stopped ${workers.stopped()} times`);
    await waitFor(`every tab to have ${MESSAGES} messages`, allHave(tabs, channel, MESSAGES), 30_000);
    for (const [i, tab] of tabs.entries()) assert.deepEqual((await received(tab))[channel], range(MESSAGES), `tab ${i}: 0 lost, 0 duplicated`);
    await waitFor('exactly one SSE upstream again', async () => (await readMetric(push.url, 'tabmux_connections', SSE)) === 1, 20_000);
    assert.equal(workers.running().length, 1, 'one running hub worker');
    await workers.cdp.detach();
  } finally {
    await context.close();
  }
});
