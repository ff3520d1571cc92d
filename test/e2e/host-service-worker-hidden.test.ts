// The service-worker host and the battery rules (README, "Battery and network"): every tab really
// hidden (minimised windows) → the tabs stop pinging, Chromium stops the idle hub worker, and
// nothing wakes it again while they stay hidden; a hidden tab's publish wakes it and is published
// at the first call (it was provably never sent to the stopped hub); a tab shown again gets a hub, one upstream, and every tab — the hidden ones too,
// re-attached on the new hub's announcement — gets what was published meanwhile, once, in order.
//
// Driven over the raw DevTools protocol, not playwright: playwright attaches to every Service
// Worker target, and Chromium never stops a worker with DevTools attached (measured: a worker
// idle for 70 s under playwright stays `running`; without, it stops after the 30 s idle timeout).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readMetric, startStaticServer } from '../helpers/browser.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { spawnChromium } from '../helpers/cdp-chromium.js';
import { rawCdp, type RawCdp } from '../helpers/raw-cdp.js';
import { startServer } from '../helpers/server.js';

const CHANNEL = 'sw-hidden';
const TABS = 3;
/** Chromium stops a worker 30 s after its last event (the last ping came up to 20 s before the tabs hid). */
const STOP_BOUND_MS = 120_000;
/** How long the stopped worker is watched for an unwanted wake-up while every tab is hidden. */
const QUIET_MS = 20_000;
/** Idle timeout + a ping period + slack: how long a kept-alive worker is watched. */
const KEPT_MS = 60_000;

interface WorkerVersion {
  readonly scriptURL: string;
  readonly runningStatus: string;
}


/** One tab in its own window (a window can be minimised alone), with a flat session on it. */
async function openWindow(cdp: RawCdp, url: string) {
  const { targetId } = await cdp.send<{ targetId: string }>('Target.createTarget', { url, newWindow: true });
  const { sessionId } = await cdp.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
  const { windowId } = await cdp.send<{ windowId: number }>('Browser.getWindowForTarget', { targetId });
  const evaluate = async <T>(expression: string): Promise<T> => {
    const { result, exceptionDetails } = await cdp.send<{ result: { value: T }; exceptionDetails?: { exception?: { description?: string } } }>('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId);
    if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? JSON.stringify(exceptionDetails)}`);
    return result.value;
  };
  return {
    sessionId,
    evaluate,
    received: () => evaluate<number[]>(`window.received?.[${JSON.stringify(CHANNEL)}] ?? []`),
    visibility: () => evaluate<string>('document.visibilityState'),
    minimise: (minimised: boolean) => cdp.send('Browser.setWindowBounds', { windowId, bounds: { windowState: minimised ? 'minimized' : 'normal' } }),
  };
}

/**
 * A push server, the test pages, and a Chromium driven over raw CDP with `TABS` windows open at
 * sw-tab.html (`query` appended), all subscribed, visible, on one service-worker hub; the hub
 * worker's running status is recorded in `transitions`.
 */
async function hiddenHarness(t: TestContext, query: string) {
  const push = await startServer();
  t.after(() => push.close());
  const pages = await startStaticServer();
  t.after(() => pages.close());
  // Fails (never skips) when Chromium is missing.
  const chromium = await spawnChromium();
  t.after(() => chromium.close());
  const cdp = await rawCdp(chromium.endpoint, 30_000);
  t.after(() => cdp.close());

  // The hub worker's running status, from the ServiceWorker domain (enabled on a page session).
  const transitions: Array<{ status: string; at: number }> = [];
  cdp.on<{ versions: WorkerVersion[] }>('ServiceWorker.workerVersionUpdated', ({ versions }) => {
    for (const version of versions) {
      if (!version.scriptURL.endsWith('/tabmux-worker.js')) continue;
      if (transitions.at(-1)?.status !== version.runningStatus) transitions.push({ status: version.runningStatus, at: Date.now() });
    }
  });

  const url = `${pages.url}/pages/sw-tab.html?server=${encodeURIComponent(push.url)}&channels=${CHANNEL}&${query}`;
  const tabs: Array<Awaited<ReturnType<typeof openWindow>>> = [];
  for (let i = 0; i < TABS; i++) {
    const tab = await openWindow(cdp, url);
    await waitFor(`tab ${i} to load`, () => tab.evaluate<boolean>('typeof window.tabReady === "object"').catch(() => false), 20_000);
    await withTimeout(tab.evaluate('window.tabReady'), 30_000, `tab ${i} to subscribe`);
    tabs.push(tab);
  }
  await cdp.send('ServiceWorker.enable', {}, tabs[0]!.sessionId);
  for (const tab of tabs) assert.equal(await tab.visibility(), 'visible', 'each window starts visible');
  assert.equal(await tabs[0]!.evaluate('window.mux.debug().then((d) => d.host)'), 'service-worker');
  await waitFor('the hub worker to be reported running', () => transitions.at(-1)?.status === 'running', 10_000);
  return { push, tabs, transitions };
}

test('all tabs hidden → pings stop and Chromium stops the hub worker; it stays stopped; a hidden publish wakes it; one tab shown → nothing lost, nothing twice', { timeout: 300_000 }, async (t) => {
  const { push, tabs, transitions } = await hiddenHarness(t, 'pause=1');
  await waitFor('one upstream for three tabs', async () => (await readMetric(push.url, 'tabmux_connections')) === 1, 20_000);
  await push.server.publish(CHANNEL, { n: 0 });
  for (const tab of tabs) await waitFor('message 0 in every tab', async () => (await tab.received()).length === 1);

  for (const tab of tabs) await tab.minimise(true);
  for (const tab of tabs) await waitFor('every minimised page to report hidden', async () => (await tab.visibility()) === 'hidden', 10_000);
  const hiddenAt = Date.now();
  await waitFor('0 upstream connections (the hub pauses after pauseWhenHidden: 1)', async () => (await readMetric(push.url, 'tabmux_connections')) === 0, 20_000);
  await waitFor('Chromium to stop the idle hub worker', () => transitions.at(-1)?.status === 'stopped', STOP_BOUND_MS, 250);
  t.diagnostic(`the hub worker stopped ${((transitions.at(-1)!.at - hiddenAt) / 1000).toFixed(1)} s after every tab was hidden`);

  // Published while the worker is stopped: nobody receives it now, every tab must get it later.
  for (let n = 1; n <= 5; n++) await push.server.publish(CHANNEL, { n });
  const quietFrom = transitions.length;
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS)); // an observation window: nothing may happen in it
  assert.deepEqual(transitions.slice(quietFrom), [], 'no tab woke the stopped worker while every tab was hidden');
  assert.equal(await readMetric(push.url, 'tabmux_connections'), 0, 'no upstream while every tab is hidden');

  // A hidden tab publishes meanwhile: the call starts a fresh hub instead of waiting for the page
  // to be shown. Its tab knew the hub had stopped (the worker's life lock was gone), so nothing was
  // sent to it: the call is made on the fresh hub and succeeds, no TABMUX_ERR_HUB_GONE.
  const publishing = `window.mux.publish('sw-hidden-pub', { n: 0 }).then((r) => 'id:' + typeof r.id, (e) => e.code)`;
  assert.equal(await withTimeout(tabs[0]!.evaluate<string>(publishing), 20_000, 'the hidden tab to publish'), 'id:string', 'published by a fresh hub at the first call');
  assert.equal(await tabs[0]!.visibility(), 'hidden');

  await tabs[1]!.minimise(false);
  await waitFor('the restored page to report visible', async () => (await tabs[1]!.visibility()) === 'visible', 10_000);
  await waitFor('a running hub worker', () => transitions.at(-1)?.status === 'running', 20_000);
  await waitFor('one upstream again', async () => (await readMetric(push.url, 'tabmux_connections')) === 1, 20_000);
  for (const [i, tab] of tabs.entries()) await waitFor(`messages 0..5 in tab ${i} (the hidden ones re-attach on the new hub's announcement)`, async () => (await tab.received()).length >= 6, 20_000);
  await push.server.publish(CHANNEL, { n: 6 });
  for (const [i, tab] of tabs.entries()) {
    await waitFor(`message 6 in tab ${i}`, async () => (await tab.received()).length >= 7, 20_000);
    assert.deepEqual(await tab.received(), [0, 1, 2, 3, 4, 5, 6], `tab ${i}: every message once, in order`);
  }
  assert.equal(await readMetric(push.url, 'tabmux_connections'), 1, 'one upstream for three tabs');
});

test('pauseWhenHidden: false → the hidden tabs keep pinging: the hub worker and its upstream outlive the idle timeout', { timeout: 300_000 }, async (t) => {
  const { push, tabs, transitions } = await hiddenHarness(t, 'pause=false');
  await waitFor('one upstream for three tabs', async () => (await readMetric(push.url, 'tabmux_connections')) === 1, 20_000);
  for (const tab of tabs) await tab.minimise(true);
  for (const tab of tabs) await waitFor('every minimised page to report hidden', async () => (await tab.visibility()) === 'hidden', 10_000);
  const runningFrom = transitions.length;
  // Longer than Chromium's idle timeout (30 s) plus one ping period (20 s): without the pings of
  // the hidden tabs, the worker would have been stopped in it (the other test: ~30 s).
  await new Promise((resolve) => setTimeout(resolve, KEPT_MS)); // an observation window: nothing may happen in it
  assert.deepEqual(transitions.slice(runningFrom), [], 'the hub worker was never stopped');
  assert.equal(transitions.at(-1)?.status, 'running');
  assert.equal(await readMetric(push.url, 'tabmux_connections'), 1, 'the upstream stays open for tabs that asked for it');
  await push.server.publish(CHANNEL, { n: 0 });
  for (const [i, tab] of tabs.entries()) await waitFor(`message 0 in hidden tab ${i}`, async () => (await tab.received()).length === 1, 20_000);
});
