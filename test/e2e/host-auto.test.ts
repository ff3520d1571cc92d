// `host: 'auto'` in real Chromium: where the SharedWorker host cannot be used or fails to start,
// the client walks on to the next host, still delivers every message, and `mux.debug()` says
// which host it picked and why each one before it was not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { debugOf } from '../helpers/page-debug.js';
import { openTabs, range, received } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';
import { startVersionedStatic } from '../helpers/versioned-static.js';
import type { DebugSnapshot, HostKind } from '../../src/hub-protocol/hub-api.js';

const TABS = 3;
const MESSAGES = 200;
const LATER_HOSTS: readonly HostKind[] = ['service-worker', 'leader', 'direct'];

const { push, pages, browser } = e2eFixture({ pages: () => startVersionedStatic() });

/** Publishes 0..MESSAGES-1 and asserts every tab got each exactly once, in order. */
async function everyMessageOnce(tabs: Page[], channel: string): Promise<void> {
  for (const n of range(MESSAGES)) await push.server.publish(channel, { n });
  await waitFor('every tab to have all messages', async () => (await Promise.all(tabs.map(received))).every((r) => (r[channel]?.length ?? 0) >= MESSAGES), 30_000);
  for (const [i, tab] of tabs.entries()) assert.deepEqual((await received(tab))[channel], range(MESSAGES), `tab ${i}: 0 lost, 0 duplicated, in order`);
}

/** The choice every tab reports: a later host picked, the shared-worker's reason first, a reason for every host skipped. */
async function assertFellThrough(tabs: Page[], sharedWorkerReason: string): Promise<DebugSnapshot> {
  const snapshots = await Promise.all(tabs.map((tab) => debugOf(tab)));
  for (const [i, snapshot] of snapshots.entries()) {
    const { hostChoice } = snapshot;
    assert.equal(hostChoice.option, 'auto', `tab ${i}`);
    assert.deepEqual(hostChoice.skipped[0], { host: 'shared-worker', reason: sharedWorkerReason }, `tab ${i}: why not shared-worker`);
    assert.ok(LATER_HOSTS.includes(hostChoice.picked), `tab ${i}: picked ${hostChoice.picked}, a host after shared-worker`);
    assert.equal(snapshot.host, hostChoice.picked, `tab ${i}: the hub serving it runs in the host the tab says it picked`);
    // Every host between shared-worker and the one picked was walked, in order, with a reason.
    const walked = hostChoice.skipped.map((skip) => skip.host);
    assert.deepEqual(walked, ['shared-worker', ...LATER_HOSTS.slice(0, LATER_HOSTS.indexOf(hostChoice.picked))], `tab ${i}: hosts walked in order`);
    for (const skip of hostChoice.skipped) assert.ok(typeof skip.reason === 'string' && skip.reason.length > 0, `tab ${i}: a reason for ${skip.host}`);
  }
  const picked = new Set(snapshots.map((s) => s.hostChoice.picked));
  assert.equal(picked.size, 1, `every tab picked the same host (${[...picked].join(', ')})`);
  return snapshots[0]!;
}

test("no SharedWorker in this browser: 'auto' picks the next usable host, and debug() says why not shared-worker", async (t) => {
  const channel = 'auto-no-shared-worker';
  const context = await browser.newContext();
  try {
    const tabs = await openTabs(context, TABS, () => `${pages.url}/pages/auto-tab.html?nosw=1&transport=sse&channels=${channel}&server=${encodeURIComponent(push.url)}`);
    for (const tab of tabs) assert.equal(await tab.evaluate(() => (window as unknown as { noSharedWorker: boolean }).noSharedWorker), true, 'the page really lacks SharedWorker');
    const snapshot = await assertFellThrough(tabs, 'SharedWorker is not defined in this browser');
    t.diagnostic(`picked ${snapshot.hostChoice.picked}; skipped ${JSON.stringify(snapshot.hostChoice.skipped)}`);
    await everyMessageOnce(tabs, channel);
  } finally {
    await context.close();
  }
});

test("the hub script 404s: 'auto' falls through, and debug() says the script failed to load as a SharedWorker", async (t) => {
  const channel = 'auto-missing-script';
  const context = await browser.newContext();
  try {
    const tabs = await openTabs(context, TABS, () => `${pages.url}/pages/auto-tab.html?worker=/missing/tabmux-worker.js&transport=sse&channels=${channel}&server=${encodeURIComponent(push.url)}`);
    assert.ok((pages.hits.get('/missing/tabmux-worker.js') ?? 0) > 0, 'the browser did ask for the hub script');
    const snapshot = await assertFellThrough(tabs, 'the hub script /missing/tabmux-worker.js failed to load as a SharedWorker');
    t.diagnostic(`picked ${snapshot.hostChoice.picked}; skipped ${JSON.stringify(snapshot.hostChoice.skipped)}`);
    await everyMessageOnce(tabs, channel);
  } finally {
    await context.close();
  }
});

test("an explicit host that cannot be used fails with TABMUX_ERR_NO_HOST and says why", async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${pages.url}/pages/auto-tab.html?nosw=1&host=shared-worker&channels=x&server=${encodeURIComponent(push.url)}`);
    const errors = await waitFor('the error event', () => page.evaluate(() => (window as unknown as { errors?: string[] }).errors?.join('\n')), 20_000);
    assert.match(errors, /^TABMUX_ERR_NO_HOST: .*shared-worker: SharedWorker is not defined in this browser/);
    const ready = await page.evaluate(() => (window as unknown as { tabReady: Promise<void> }).tabReady.then(() => 'resolved', (error: { code?: string }) => error.code));
    assert.equal(ready, 'TABMUX_ERR_NO_HOST', 'subscription.ready rejects with the same code');
  } finally {
    await context.close();
  }
});
