// In Chromium (README, "Battery and network"): a connection that goes silent without closing (a
// proxy that stops forwarding, as a mobile network that drops it silently) is taken as dead after
// the heartbeat window (2 × the server's heartbeat + 5 s) and the hub reconnects and catches up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { debugOf } from '../helpers/page-debug.js';
import { launchCdpChromium, openWindows } from '../helpers/cdp-chromium.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const received = (page: Page) => page.evaluate(() => (window as unknown as { received: number[] }).received);
const debug = (page: Page) => debugOf<{ connects: number; upstream: string }>(page);

const { push, pages, browser: chromium, front: proxy } = e2eFixture({ server: { heartbeat: 1 }, front: ({ push }) => startTcpProxy(push.port), launch: launchCdpChromium });

test('a silently dead connection is replaced after the heartbeat window; nothing lost', { timeout: 120_000 }, async () => {
  const [tab] = await openWindows(chromium, 1);
  await tab!.goto(`${pages.url}/pages/battery-tab.html?server=${encodeURIComponent(`http://127.0.0.1:${proxy.port}`)}&channel=hb&pause=false&heartbeat=1`);
  await withTimeout(tab!.evaluate(() => (window as unknown as { tabReady: Promise<void> }).tabReady), 20_000, 'the tab to subscribe');
  await push.server.publish('hb', { n: 1 });
  await waitFor('message 1', async () => (await received(tab!)).length === 1);
  const { connects } = await debug(tab!);
  const acceptedBefore = proxy.accepted;

  proxy.stall();
  await push.server.publish('hb', { n: 2 }); // written to the stalled socket: never arrives there
  // Window = 2 × 1 s + 5 s = 7 s; allow the backoff after it.
  await waitFor('the hub to open a new connection after the silence', () => proxy.accepted > acceptedBefore, 20_000);
  await waitFor('the replacement upstream to open', async () => (await debug(tab!)).upstream === 'open', 15_000);
  await waitFor('message 2, replayed from the cursor', async () => (await received(tab!)).length === 2, 15_000);
  assert.deepEqual(await received(tab!), [1, 2], 'nothing lost, nothing twice');
  assert.equal((await debug(tab!)).connects, connects + 1, 'one reconnect');
});
