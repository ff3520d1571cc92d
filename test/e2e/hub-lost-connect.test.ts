// A tab whose connect to the hub is lost, late, or finds no hub script at all, in real Chromium
// with the real built hub (src/connect.ts #sayHello, #attach's retry):
//  - Chromium drops a connect that reaches a SharedWorker instance as it closes (a hub retiring
//    for a deploy) without an event or error. The tab says hello again on a fresh link and is
//    served; it must not wait out the hello timeout, let alone give up.
//  - A hello answered late, after the repeat won, is detached: the hub ends with one tab per
//    tab, and nothing is delivered twice.
//  - The hub dies while its script is briefly missing (a deploy that swaps files): the tab says
//    so (`error` event) and keeps trying until the script is back, then resumes from its cursor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { sharedWorkers } from '../helpers/cdp-targets.js';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { startForwardingFront } from '../helpers/forwarding-front.js';
import type { LocalServer } from '../helpers/local-http.js';
import { debugOf } from '../helpers/page-debug.js';
import { openTabs, range, received } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';

const MESSAGES = 50;
const WORKER = '/pages/lost-connect-worker.js';

/** In front of `pages`: answers 404 for the hub script while `front.missing`, and counts its requests. */
const { push, browser, cdp, front } = e2eFixture({ server: { retry: 50 }, front: ({ pages }) => startFront(pages.url), cdp: true });

async function startFront(target: string): Promise<LocalServer & { missing: boolean; scriptRequests: number }> {
  const state = { missing: false, scriptRequests: 0 };
  const server = await startForwardingFront(target, {
    intercept(req, res) {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path !== WORKER) return false;
      state.scriptRequests++;
      if (!state.missing) return false;
      res.writeHead(404, { 'cache-control': 'no-store' }).end();
      return true;
    },
  });
  return Object.assign(state, server);
}

function tabUrl(channel: string, first: 'drop' | 'late' | 'none'): string {
  const worker = `${WORKER}?first=${first}&channel=${channel}`; // one SharedWorker instance per test
  return `${front.url}/pages/auto-tab.html?host=shared-worker&transport=sse&channels=${channel}&client=/tabmux.js&worker=${encodeURIComponent(worker)}&server=${encodeURIComponent(push.url)}`;
}

/** Makes every page of `context` record what the worker did with each connect (lost-connect-worker.js). */
async function recordWorkerReports(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const reports: string[] = [];
    (window as unknown as { workerReports: string[] }).workerReports = reports;
    new BroadcastChannel('lost-connect-worker').onmessage = (event) => reports.push(String(event.data));
  });
}

const workerReports = (page: Page) => page.evaluate(() => [...(window as unknown as { workerReports: string[] }).workerReports].sort());

const errors = (page: Page) => page.evaluate(() => (window as unknown as { errors: string[] }).errors);

async function publishAndCheck(tabs: Page[], channel: string, from = 0): Promise<void> {
  for (const n of range(MESSAGES - from).map((k) => k + from)) await push.server.publish(channel, { n });
  await waitFor('every tab to have the last message', async () => (await Promise.all(tabs.map(received))).every((r) => r[channel]?.at(-1) === MESSAGES - 1), 20_000);
  for (const [i, tab] of tabs.entries()) assert.deepEqual((await received(tab))[channel], range(MESSAGES), `tab ${i}: every message once, in order`);
}

test('a connect dropped without a word (a closing instance): the tab says hello again at once and is served', async () => {
  const channel = 'lost-connect-drop';
  const context = await browser.newContext();
  await recordWorkerReports(context);
  try {
    // The first tab's first connect is the instance's first: it is dropped.
    const tabs = await openTabs(context, 2, () => tabUrl(channel, 'drop'));
    // The first tab heard every report: one connect dropped, then one served per tab.
    assert.deepEqual(await waitFor('the worker reports', async () => ((await workerReports(tabs[0]!)).length >= 3 ? workerReports(tabs[0]!) : undefined), 20_000), ['dropped', 'served', 'served']);
    const snapshot = await debugOf(tabs[0]!);
    assert.equal(snapshot.host, 'shared-worker', 'the shared-worker host was kept, not given up on');
    assert.equal(snapshot.tabs, 2, 'one registration per tab: the dropped hello left nothing behind');
    await publishAndCheck(tabs, channel);
    for (const tab of tabs) assert.deepEqual(await errors(tab), [], 'no error: a repeated hello is not a failure');
  } finally {
    await context.close();
  }
});

test('a hello answered late, after its repeat won: the late one is detached, nothing is delivered twice', async () => {
  const channel = 'lost-connect-late';
  const context = await browser.newContext();
  await recordWorkerReports(context);
  try {
    const [tab] = await openTabs(context, 1, () => tabUrl(channel, 'late'));
    // Both hellos reached the hub: the first held back, the repeat served at once; then the first.
    assert.deepEqual(await waitFor('the late hello to be served', async () => ((await workerReports(tab!)).length >= 3 ? workerReports(tab!) : undefined), 20_000), ['late', 'late-served', 'served']);
    // Had the late hello taken the tab's place in the hub (or its bye dropped the tab), these would not arrive.
    await publishAndCheck([tab!], channel);
    assert.equal(await waitFor('the hub to count one tab (the late hello said bye)', async () => ((await debugOf(tab!)).tabs === 1 ? 1 : 0), 20_000), 1);
    assert.deepEqual(await errors(tab!), []);
  } finally {
    await context.close();
  }
});

test('the hub dies while its script is missing: the tab reports it, keeps trying, and resumes once the script is back', async () => {
  const channel = 'lost-connect-missing';
  const earlier = new Set((await sharedWorkers(cdp)).map((target) => target.targetId));
  const context = await browser.newContext();
  try {
    const tabs = await openTabs(context, 2, () => tabUrl(channel, 'none'));
    for (const n of range(10)) await push.server.publish(channel, { n });
    await waitFor('10 messages in every tab', async () => (await Promise.all(tabs.map(received))).every((r) => r[channel]?.length === 10), 20_000);

    front.missing = true;
    const requestsBefore = front.scriptRequests;
    const [worker] = (await sharedWorkers(cdp)).filter((target) => target.url.includes(WORKER) && !earlier.has(target.targetId));
    assert.ok(worker, 'the hub runs as a SharedWorker');
    await cdp.send('Target.closeTarget', { targetId: worker.targetId });
    // Messages published while no hub runs: the tabs must get them from history later.
    for (const n of range(20).map((k) => k + 10)) await push.server.publish(channel, { n });
    await waitFor('every tab to report that no hub could be reached', async () => (await Promise.all(tabs.map(errors))).every((e) => e.some((line) => line.startsWith('TABMUX_ERR_NO_HOST'))), 30_000);
    // A tab that gave up would ask for the script no more.
    const asked = await waitFor('the tabs to ask for the script again after failing', () => (front.scriptRequests - requestsBefore >= 4 ? front.scriptRequests - requestsBefore : 0), 30_000);
    assert.ok(asked >= 4, `script requested ${asked} times while missing`);
    assert.deepEqual(
      await Promise.all(tabs.map((tab) => tab.evaluate(() => (window as unknown as { mux: { state: string } }).mux.state))),
      ['connecting', 'connecting'],
      'no hub: connecting, not closed',
    );

    front.missing = false;
    await publishAndCheck(tabs, channel, 30);
    const snapshot = await debugOf(tabs[0]!);
    assert.equal(snapshot.tabs, 2, 'both tabs on the new hub');
  } finally {
    front.missing = false;
    await context.close();
  }
});
