// A deploy under the service-worker host: tabs of the old build run on the old hub
// worker; the server starts serving a new build (client and hub script, TABMUX_VERSION 0.1.0 →
// 9.0.0) while messages flow; a page of the new build opens. Its version handshake finds the
// worker older than itself and asks the registration to update: the new script installs and
// activates, the old worker turns redundant and closes its hub, every old tab re-attaches to the
// new worker from its cursors. At the end: every tab on the new hub, one upstream, and every
// message in every tab once, in order; never two upstreams for longer than the server takes to see one close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { startForwardingFront } from '../helpers/forwarding-front.js';
import { debugWithin } from '../helpers/page-debug.js';
import { openTabs, range, readMetric, received } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';

const OLD_TABS = 4;
const MESSAGES = 150;
const CHANNEL = 'sw-deploy';
const OLD_VERSION = '"0.1.0"';
const NEW_VERSION = '"9.0.0"';
/** Where the version handshake of this host lives: the hub script, and the link that probes it. */
const MUST_CARRY_VERSION = ['/tabmux-worker.js', '/tabmux-service-worker.js'];

/** Serves the static pages through, and after `deploy()` the new build of tabmux (client modules and hub script). */
async function deployableFront(origin: string) {
  let deployed = false;
  const front = await startForwardingFront(origin, {
    rewrite(req, body) {
      const path = req.url ?? '/';
      // The client, the modules it loads on demand (the service-worker link is one), the hub script.
      if (!deployed || !/^\/tabmux(-[\w-]+)?\.js$/.test(path)) return body;
      const text = body.toString('utf8');
      if (MUST_CARRY_VERSION.includes(path)) assert.ok(text.includes(OLD_VERSION), `${path} carries TABMUX_VERSION ${OLD_VERSION}: the deploy test must be updated with it`);
      return Buffer.from(text.replace(OLD_VERSION, NEW_VERSION));
    },
  });
  return { ...front, deploy: () => void (deployed = true) };
}

const { push, browser, front } = e2eFixture({ server: { retry: 50 }, front: ({ pages }) => deployableFront(pages.url) });

interface Debug {
  hubId: string;
  host: string;
  tabs: number;
}
const debug = (page: Page) => debugWithin<Debug>(page, 5000);
/** The active hub worker's own version, asked as a tab's link asks it (the probe message). */
const workerVersion = (page: Page) =>
  page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration('/__tabmux__/');
    return new Promise<string>((resolve) => {
      const { port1, port2 } = new MessageChannel();
      port1.onmessage = (event) => resolve((event.data as { version: string }).version);
      registration!.active!.postMessage({ tabmux: 'probe' }, [port2]);
    });
  });

test('a deploy: a page of the new build updates the hub worker; old tabs move to it; 0 lost, 0 duplicated, never two upstreams', { timeout: 180_000 }, async (t) => {
  const context = await browser.newContext();

  const url = `${front.url}/pages/sw-tab.html?server=${encodeURIComponent(push.url)}&channels=${CHANNEL}`;
  const tabs = await openTabs(context, OLD_TABS, () => url);
  await waitFor('one upstream for the old tabs', async () => (await readMetric(push.url, 'tabmux_connections')) === 1, 20_000);
  assert.equal(await workerVersion(tabs[0]!), '0.1.0');
  const oldHub = (await debug(tabs[0]!)).hubId;
  // The hub worker's versions (DevTools protocol), without sending it anything.
  const cdp = await context.newCDPSession(tabs[0]!);
  const startedAt = Date.now();
  const versions = new Map<string, string>();
  /** Every update, for the failure message: `<ms> <version> <status> <running status>`. */
  const log: string[] = [];
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions: updated }: { versions: Array<{ versionId: string; scriptURL: string; status: string; runningStatus: string }> }) => {
    for (const version of updated) {
      if (!version.scriptURL.endsWith('/tabmux-worker.js')) continue;
      versions.set(version.versionId, version.status);
      log.push(`${Date.now() - startedAt} ${version.versionId} ${version.status} ${version.runningStatus}`);
    }
  });
  await cdp.send('ServiceWorker.enable');
  await waitFor('the first hub worker version to be reported', () => versions.size === 1, 10_000);

  // Every 50 ms, the number of upstreams open at the server, throughout.
  let maxUpstreams = 0;
  /** Most samples in a row that saw two upstreams: 2+ means an overlap of 50 ms or more. */
  let longestOverlap = 0;
  let overlap = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const open = await readMetric(push.url, 'tabmux_connections');
      maxUpstreams = Math.max(maxUpstreams, open);
      overlap = open > 1 ? overlap + 1 : 0;
      longestOverlap = Math.max(longestOverlap, overlap);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  let published = 0;
  const publisher = (async () => {
    for (const n of range(MESSAGES)) {
      await push.server.publish(CHANNEL, { n });
      published = n + 1;
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  })();
  await waitFor('40 messages published', () => published >= 40, 30_000);
  front.deploy();
  const deployedAt = Date.now();
  const [fresh] = await openTabs(context, 1, () => url);
  tabs.push(fresh!);
  // Only the new page's version handshake asks for an update: no page is in the worker's scope.
  await waitFor('a second hub worker version to be activated and the first redundant', () => {
    const statuses = [...versions.values()];
    return statuses.length === 2 && statuses[0] === 'redundant' && statuses[1] === 'activated';
  }, 30_000, 100).catch((error: Error) => {
    throw new Error(`${error.message}; versions: ${JSON.stringify([...versions])} deployed at ${deployedAt - startedAt}; log: ${log.join(' | ')}`);
  });
  assert.equal(await workerVersion(fresh!), '9.0.0', 'the active worker runs the new build');
  const newHub = await waitFor(
    'every tab on one new hub',
    async () => {
      const all = await Promise.all(tabs.map((tab) => debug(tab).catch(() => undefined)));
      const ids = new Set(all.map((d) => d?.hubId));
      return ids.size === 1 && !ids.has(oldHub) && !ids.has(undefined) && all[0]!.tabs === tabs.length ? [...ids][0] : undefined;
    },
    30_000,
    250,
  ).catch(async (error: Error) => {
    const all = await Promise.all(tabs.map((tab) => debug(tab).then((d) => `${d.hubId}/${d.tabs}`, (e: Error) => e.message)));
    throw new Error(`${error.message}; old hub ${oldHub}; tabs: ${JSON.stringify(all)}`);
  });
  t.diagnostic(`published when every tab was on the new hub: ${published} of ${MESSAGES}`);
  await publisher;
  await waitFor(`every tab to have message ${MESSAGES - 1}`, async () => (await Promise.all(tabs.map(received))).every((r) => (r[CHANNEL] ?? []).includes(MESSAGES - 1)), 30_000);
  sampling = false;
  await sampler;
  for (const [i, tab] of tabs.entries()) {
    const got = (await received(tab))[CHANNEL]!;
    // The new tab subscribed mid-stream: it gets a tail of the stream, in order, none twice.
    const expected = i < OLD_TABS ? range(MESSAGES) : range(MESSAGES).slice(got[0]);
    assert.deepEqual(got, expected, `tab ${i}: every message once, in order`);
  }
  assert.notEqual(newHub, oldHub);
  assert.equal(await readMetric(push.url, 'tabmux_connections'), 1, 'one upstream after the deploy');
  t.diagnostic(`most upstreams open at once during the deploy: ${maxUpstreams}`);
  // The new hub opens only once the old one let go of the upstream lock, after aborting its
  // upstream (proven exactly in test/unit/hub-succession.test.ts). The server sees that abort a
  // few ms after the browser made it, so one sample may catch both; two in a row may not.
  assert.ok(longestOverlap <= 1, `never two upstreams in two samples in a row, 50 ms apart (${longestOverlap} in a row)`);
  const registrations = await fresh!.evaluate(() => navigator.serviceWorker.getRegistrations().then((all) => all.length));
  assert.equal(registrations, 1, 'still one registration');
});
