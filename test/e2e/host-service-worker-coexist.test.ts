// The service-worker host beside an app's own Service Worker:
//  1. The app has its own worker controlling its pages (fetch handler, skipWaiting + claim):
//     tabmux registers its hub under /__tabmux__/ and works; the app's worker stays registered,
//     active, in control of the pages, and answers its own messages.
//  2. The app imports the hub into its own worker (`importScripts('/tabmux-worker.js')`) and
//     points `connect({ worker })` at it: ONE registration (the app's), which serves tabmux too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { debugOf } from '../helpers/page-debug.js';
import { openTabs, range, readMetric, received } from '../helpers/browser.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

const TABS = 3;
const MESSAGES = 50;
const SSE = '{transport="sse"}';

const { push, pages, browser } = e2eFixture();

interface Registration {
  scope: string;
  active: string | undefined;
  state: string | undefined;
}
const registrations = (page: Page): Promise<Registration[]> =>
  page.evaluate(() => navigator.serviceWorker.getRegistrations().then((all) => all.map((r) => ({ scope: r.scope, active: r.active?.scriptURL, state: r.active?.state })).sort((a, b) => a.scope.localeCompare(b.scope))));
const controller = (page: Page) => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null);
/** The app's own message to its worker, answered by the app's code (not tabmux's). */
const appPing = (page: Page) =>
  withTimeout(
    page.evaluate(
      () =>
        new Promise((resolve) => {
          const { port1, port2 } = new MessageChannel();
          port1.onmessage = (event) => resolve(event.data);
          navigator.serviceWorker.controller!.postMessage({ app: 'ping' }, [port2]);
        }),
    ),
    10_000,
    "the app's worker to answer its ping",
  );
const host = (page: Page) => debugOf<{ host: string; tabs: number }>(page);

/**
 * Opens TABS tabs at `url` and proves tabmux serves them all: one SSE upstream, every message of
 * `channel` once and in order in every tab, one service-worker hub counting every tab. The first
 * tab registers the app's worker (claimed by it); the others navigate once it is active, so they
 * are controlled from the start, as an app's returning visitors are.
 */
async function openServedTabs(context: BrowserContext, url: string, channel: string): Promise<Page[]> {
  const first = await openTabs(context, 1, () => url);
  const tabs = [...first, ...(await openTabs(context, TABS - 1, () => url))];
  await waitFor('one SSE upstream for every tab', async () => (await readMetric(push.url, 'tabmux_connections', SSE)) === 1, 20_000);
  for (const n of range(MESSAGES)) await push.server.publish(channel, { n });
  await waitFor(`every tab to have ${MESSAGES} messages`, async () => (await Promise.all(tabs.map(received))).every((r) => (r[channel]?.length ?? 0) >= MESSAGES), 30_000);
  for (const [i, tab] of tabs.entries()) assert.deepEqual((await received(tab))[channel], range(MESSAGES), `tab ${i}: every message once, in order`);
  const d = await host(tabs[0]!);
  assert.deepEqual({ host: d.host, tabs: d.tabs }, { host: 'service-worker', tabs: TABS });
  return tabs;
}

test("an app's own Service Worker controls the pages: tabmux's hub registers beside it, both work", { timeout: 120_000 }, async () => {
  const channel = 'sw-coexist';
  const context = await browser.newContext();
  try {
    const tabs = await openServedTabs(context, `${pages.url}/pages/sw-tab.html?server=${encodeURIComponent(push.url)}&channels=${channel}&appSw=/pages/sw-app.js`, channel);
    assert.deepEqual(
      await registrations(tabs[0]!),
      [
        { scope: `${pages.url}/__tabmux__/`, active: `${pages.url}/tabmux-worker.js`, state: 'activated' },
        { scope: `${pages.url}/pages/`, active: `${pages.url}/pages/sw-app.js`, state: 'activated' },
      ],
      "two registrations: tabmux's under a scope with no page, the app's untouched",
    );
    await tabs[2]!.reload();
    await withTimeout(tabs[2]!.evaluate(() => (window as unknown as { tabReady: Promise<void> }).tabReady), 20_000, 'the reloaded tab to subscribe');
    for (const [i, tab] of tabs.entries()) {
      assert.equal(await controller(tab), `${pages.url}/pages/sw-app.js`, `tab ${i} is controlled by the app's worker`);
      assert.deepEqual(await appPing(tab), { app: 'pong', script: 'sw-app.js' }, `tab ${i}: the app's worker answers the app`);
    }
    assert.deepEqual((await host(tabs[2]!)).tabs, TABS, 'the reloaded tab is back on the same hub');
  } finally {
    await context.close();
  }
});

test("the hub imported into the app's own worker (importScripts): one registration serves the app and tabmux", { timeout: 120_000 }, async () => {
  const channel = 'sw-imported';
  const context = await browser.newContext();
  try {
    const appSw = '/pages/sw-app-with-hub.js';
    const tabs = await openServedTabs(context, `${pages.url}/pages/sw-tab.html?server=${encodeURIComponent(push.url)}&channels=${channel}&appSw=${appSw}&worker=${appSw}`, channel);
    assert.deepEqual(
      await registrations(tabs[0]!),
      [{ scope: `${pages.url}/pages/`, active: `${pages.url}${appSw}`, state: 'activated' }],
      "one registration, the app's: tabmux registered nothing of its own",
    );
    for (const [i, tab] of tabs.entries()) {
      assert.equal(await controller(tab), `${pages.url}${appSw}`, `tab ${i} is controlled by the app's worker`);
      assert.deepEqual(await appPing(tab), { app: 'pong', script: 'sw-app-with-hub.js' }, `tab ${i}: the app's own message handler still answers`);
    }
  } finally {
    await context.close();
  }
});
