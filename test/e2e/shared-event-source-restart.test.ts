/**
 * SharedEventSource when the browser kills its hub (the SharedWorker, terminated through the
 * DevTools protocol, as a crash would): each tab must see what a native EventSource sees when its
 * connection drops — `error` with readyState CONNECTING, then `open` and the events it missed —
 * because the tabs re-attach to a fresh hub, which reconnects ONCE for all of them with the last
 * event id as `Last-Event-ID` (src/event-source/hub-link.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { startFixtureServer, type FixtureServer } from '../helpers/sse-fixture-server.js';
import { launchChromium } from '../helpers/chromium.js';
import { waitFor } from '../helpers/wait.js';
import { sharedWorkers } from '../helpers/cdp-targets.js';
import { closeSource, logOf, startSource, waitOpen } from '../helpers/sse-fixture-page.js';

let server: FixtureServer;
let browser: Browser;
let cdp: CDPSession;
let tabs: Page[];

before(async () => {
  server = await startFixtureServer();
  browser = await launchChromium();
  cdp = await browser.newBrowserCDPSession();
  const context = await browser.newContext();
  tabs = [await context.newPage(), await context.newPage()];
  for (const tab of tabs) {
    await tab.goto(`${server.origin}/`);
    await tab.waitForFunction(() => 'startSource' in window, undefined, { timeout: 10_000 });
  }
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Both tabs' logs, the hubs running and the requests seen: what a timed-out wait reports. */
let lastLogs: unknown[][] = [];
const logs = async (): Promise<unknown[][]> => (lastLogs = await Promise.all(tabs.map((tab) => logOf(tab, 'live'))));
const state = (what: string) => () => `${what}; logs ${JSON.stringify(lastLogs)}; requests ${JSON.stringify(server.liveRequests().map((r) => r.lastEventIdHex))}`;

async function hubWorkers(): Promise<string[]> {
  return (await sharedWorkers(cdp)).filter((target) => target.url.startsWith(server.origin)).map((target) => target.targetId);
}

test('the hub is killed twice while two tabs stream: error, open, the missed events, once each; one reconnect for both tabs', async () => {
  const url = '/live?client=hub-restart';
  for (const tab of tabs) await startSource(tab, 'live', 'shared', url);
  await Promise.all(tabs.map((tab) => waitOpen(tab, 'live')));
  server.sendLive('id: 1\ndata: before\n\n');
  await waitFor('both tabs to have event 1', async () => (await Promise.all(tabs.map((tab) => logOf(tab, 'live')))).every((log) => log.length === 2), 10_000);

  for (const [round, missed] of [
    [1, '2'],
    [2, '4'],
  ] as const) {
    const [worker, ...others] = await hubWorkers();
    assert.ok(worker, 'the SharedEventSource hub runs');
    assert.deepEqual(others, [], 'one hub for both tabs');
    const requestsBefore = server.liveRequests().length;
    await cdp.send('Target.closeTarget', { targetId: worker });
    await waitFor('the killed hub to be gone', async () => !(await hubWorkers()).includes(worker), 10_000);
    // Gone from the target list is not yet dead: its thread can still read its upstream for a
    // moment. Both tabs dispatching `error` means the hub's life lock was released, so it is dead,
    // and the next event can only reach them through a fresh hub (live, or replayed from
    // Last-Event-ID if that hub's request comes after it).
    await waitFor(state(`round ${round}: both tabs to see the drop`), async () => (await logs()).every((log) => log.filter((entry) => (entry as { type?: string }).type === 'error').length === round), 20_000);
    server.sendLive(`id: ${missed}\ndata: missed ${round}\n\n`);
    await waitFor(`round ${round}: the fresh hub's request`, () => server.liveRequests().length > requestsBefore, 20_000);
    await waitFor(state(`round ${round}: both tabs open again`), async () => (await logs()).every((log) => (log.at(-1) as { data?: string })?.data === `missed ${round}`), 20_000);
    server.sendLive(`id: ${Number(missed) + 1}\ndata: after ${round}\n\n`);
    await waitFor(state(`round ${round}: both tabs to have the next event`), async () => (await logs()).every((log) => (log.at(-1) as { data?: string })?.data === `after ${round}`), 10_000);
  }

  const message = (data: string, lastEventId: string) => ({ type: 'message', readyState: 1, data, lastEventId, origin: server.origin });
  const expected = [
    { type: 'open', readyState: 1 },
    message('before', '1'),
    { type: 'error', readyState: 0 },
    { type: 'open', readyState: 1 },
    message('missed 1', '2'),
    message('after 1', '3'),
    { type: 'error', readyState: 0 },
    { type: 'open', readyState: 1 },
    message('missed 2', '4'),
    message('after 2', '5'),
  ];
  for (const [i, tab] of tabs.entries()) assert.deepEqual(await logOf(tab, 'live'), expected, `tab ${i}: what a native EventSource dispatches across two drops`);
  const requests = server.liveRequests().filter((request) => request.client === 'hub-restart');
  assert.deepEqual(
    requests.map((request) => (request.lastEventIdHex === null ? null : Buffer.from(request.lastEventIdHex, 'hex').toString())),
    [null, '1', '3'],
    'one request per hub for both tabs, each fresh hub resuming from the last event id',
  );
  for (const tab of tabs) await closeSource(tab, 'live');
});
