// The leader host forced (`host=leader`) in real Chromium against the real push server: one tab is
// elected with Web Locks and holds the ONE upstream; the others get their messages over
// BroadcastChannel. The leader tab closed, crashed (CDP Page.crash) or frozen (CDP
// Page.setWebLifecycleState) mid-stream: the next tab leads, and every other tab still ends with
// each of the 200 messages once, in order (the frozen one too, once it is active again).
//
// Which tab leads is seen from outside, with no hook in the page: the leader is the page whose
// network requests include the upstream (`/sse?…`). Chromium is launched by hand and driven over
// CDP (test/helpers/cdp-chromium.ts), each tab in a window of its own: Playwright's own launch
// emulates focus, under which Chromium does not freeze a page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CDPSession, Page } from 'playwright-core';
import { launchCdpChromium, openWindows } from '../helpers/cdp-chromium.js';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { debugWithin } from '../helpers/page-debug.js';
import { TABMUX_VERSION } from '../../src/protocol/version.js';
import { range, readMetric, received } from '../helpers/browser.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

const TABS = 8;
const MESSAGES = 200;
/** The publisher's pace: messages keep flowing through the handoff. */
const PUBLISH_EVERY_MS = 10;
const SSE = '{transport="sse"}';

const { push, pages, browser: chromium } = e2eFixture({ launch: launchCdpChromium });

interface Hub {
  host: string;
  hubId: string;
  tabs: number;
  transport: string | null;
}
const debug = (page: Page) => debugWithin<Hub>(page, 10_000);

/** Records, per page, when it opened an upstream request: the last one to do so leads. */
function watchUpstreams(tabs: readonly Page[]): { leader(): Page | undefined; opened(page: Page): number; lastAt(): number; watch(page: Page): void } {
  const counts = new Map<Page, number>();
  let last: Page | undefined;
  let lastAt = 0;
  const opened = (tab: Page) => {
    counts.set(tab, (counts.get(tab) ?? 0) + 1);
    last = tab;
    lastAt = Date.now();
  };
  const watch = (tab: Page) => {
    tab.on('request', (request) => new URL(request.url()).pathname.startsWith('/sse') && opened(tab));
    tab.on('websocket', (socket) => new URL(socket.url()).pathname.startsWith('/ws') && opened(tab));
  };
  for (const tab of tabs) watch(tab);
  return { leader: () => last, opened: (page) => counts.get(page) ?? 0, lastAt: () => lastAt, watch };
}

/** Opens the tabs (one window each) on `channel`, runs `body`, and closes them whatever happens. */
async function withLeaderTabs(channel: string, body: (tabs: Page[], leader: Page, upstreams: ReturnType<typeof watchUpstreams>) => Promise<void>, count = TABS, transport: 'sse' | 'ws' = 'sse'): Promise<void> {
  // The server may still count the upstream of an earlier test's closed tabs for a moment.
  await waitFor('no upstream left from an earlier test', async () => (await readMetric(push.url, 'tabmux_connections')) === 0, 30_000);
  const tabs = await openWindows(chromium, count);
  try {
    // Watch from the first request on: the leader is usually the first tab, during its load.
    const upstreams = watchUpstreams(tabs);
    const url = `${pages.url}/pages/tab.html?server=${encodeURIComponent(push.url)}&channels=${channel}&transport=${transport}&host=leader`;
    for (const tab of tabs) await tab.goto(url);
    await Promise.all(tabs.map((tab, i) => withTimeout(tab.evaluate(() => (window as unknown as { tabReady: Promise<void> }).tabReady), 30_000, `tab ${i} to subscribe`)));
    const leader = await waitFor('one tab to open the upstream', () => upstreams.leader(), 10_000);
    await body(tabs, leader, upstreams);
  } finally {
    for (const tab of tabs) await tab.close().catch(() => undefined);
  }
}

/** Samples the upstream gauge until stopped; returns the highest value seen. */
function sampleConnections(): { stop(): Promise<number> } {
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      max = Math.max(max, await readMetric(push.url, 'tabmux_connections', SSE));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return max;
    },
  };
}

async function publishSteadily(channel: string, at: number, action: () => Promise<void>): Promise<void> {
  for (const n of range(MESSAGES)) {
    await push.server.publish(channel, { n });
    if (n === at) await action();
    await new Promise((resolve) => setTimeout(resolve, PUBLISH_EVERY_MS));
  }
}

async function assertAllReceived(tabs: readonly Page[], channel: string): Promise<void> {
  await waitFor(`every tab to have ${MESSAGES} messages`, async () => (await Promise.all(tabs.map(received))).every((r) => (r[channel]?.length ?? 0) >= MESSAGES), 30_000);
  for (const tab of tabs) assert.deepEqual((await received(tab))[channel], range(MESSAGES), `tab ${tab.url().slice(-30)}: every message once, in order`);
}

for (const transport of ['sse', 'ws'] as const) {
  test(`${transport}: 8 tabs forced to the leader host: 1 upstream at the server, 200 messages in every tab, in order, none twice`, { timeout: 120_000 }, async () => {
    const channel = `leader-fanout-${transport}`;
    const label = `{transport="${transport}"}`;
    await withLeaderTabs(
      channel,
      async (tabs, _leader, upstreams) => {
        assert.equal(await readMetric(push.url, 'tabmux_connections', label), 1, 'one upstream for 8 tabs');
        assert.equal(tabs.filter((tab) => upstreams.opened(tab) > 0).length, 1, 'one tab (the leader) made upstream requests');
        const hub = await debug(tabs[TABS - 1]!);
        assert.deepEqual({ host: hub.host, tabs: hub.tabs, transport: hub.transport }, { host: 'leader', tabs: TABS, transport });
        for (const n of range(MESSAGES)) await push.server.publish(channel, { n });
        await assertAllReceived(tabs, channel);
        assert.equal(await readMetric(push.url, 'tabmux_connections', label), 1, 'still one upstream');
      },
      TABS,
      transport,
    );
  });
}

/**
 * `kill` the leader at message 60 while 200 are published steadily: another tab leads, the 7
 * others get every message once, in order, and the server is back to one upstream.
 */
async function handoff(
  tabs: Page[],
  leader: Page,
  upstreams: ReturnType<typeof watchUpstreams>,
  channel: string,
  kill: (leader: Page) => Promise<void>,
  t: { diagnostic(message: string): void },
  /** Tabs attached to the new leader at the end. */
  attached = TABS - 1,
  /** False when the old leader lives on as a follower (it must then get everything too). */
  leaderGone = true,
): Promise<void> {
  assert.equal(await readMetric(push.url, 'tabmux_connections', SSE), 1, 'one upstream before');
  const sampler = sampleConnections();
  let max: number;
  const others = leaderGone ? tabs.filter((tab) => tab !== leader) : tabs;
  try {
    let killedAt = 0;
    await publishSteadily(channel, 60, async () => {
      killedAt = Date.now();
      await kill(leader);
    });
    await waitFor('another tab to lead (open the upstream)', () => upstreams.leader() !== leader, 30_000);
    t.diagnostic(`the new leader opened its upstream ${upstreams.lastAt() - killedAt} ms after the old one was stopped`);
    await assertAllReceived(others, channel);
    await waitFor('one upstream at the server', async () => (await readMetric(push.url, 'tabmux_connections', SSE)) === 1, 30_000);
  } finally {
    max = await sampler.stop();
  }
  t.diagnostic(`most upstream connections seen at once during the run: ${max}`);
  assert.ok(max <= 2, `never more than the old and the new leader's upstream (saw ${max})`);
  const hub = await debug(others[0]!);
  assert.deepEqual({ host: hub.host, tabs: hub.tabs }, { host: 'leader', tabs: attached }, 'the tabs left attached to the new leader');
  // A leader stepping down drops its links before closing its hub: its followers never hear 'closed'.
  for (const tab of tabs.filter((other) => other !== leader)) {
    const seen = await tab.evaluate(() => (window as unknown as { states?: string[] }).states ?? []);
    assert.ok(!seen.includes('closed'), `a follower's mux.state went through ${seen.join(' → ')}`);
  }
  if (!leaderGone) {
    const seen = await leader.evaluate(() => (window as unknown as { states?: string[] }).states ?? []);
    t.diagnostic(`the old leader's own tab: ${seen.join(' → ')}`);
    assert.ok(!seen.includes('closed'), `the old leader's own tab went through ${seen.join(' → ')}`);
  }
}

test('the leader tab is closed mid-stream: the next tab leads, 0 lost and 0 duplicated in the 7 others, back to 1 upstream', { timeout: 180_000 }, async (t) => {
  await withLeaderTabs('leader-closed', (tabs, leader, upstreams) => handoff(tabs, leader, upstreams, 'leader-closed', (old) => old.close(), t));
});

test('the leader tab crashes (CDP Page.crash) mid-stream: the next tab leads, 0 lost and 0 duplicated, back to 1 upstream', { timeout: 180_000 }, async (t) => {
  await withLeaderTabs('leader-crashed', (tabs, leader, upstreams) =>
    handoff(
      tabs,
      leader,
      upstreams,
      'leader-crashed',
      async (old) => {
        const crashed = new Promise<void>((resolve) => old.once('crash', () => resolve()));
        const cdp = await chromium.context.newCDPSession(old);
        void cdp.send('Page.crash').catch(() => undefined); // never answers: the renderer is gone
        await withTimeout(crashed, 20_000, 'the leader page to crash');
      },
      t,
    ),
  );
});

test('the leader tab is frozen (CDP Page.setWebLifecycleState): it steps down, the next tab leads; active again, it catches up with 0 lost, 0 duplicated', { timeout: 180_000 }, async (t) => {
  await withLeaderTabs('leader-frozen', async (tabs, leader, upstreams) => {
    let session: CDPSession | undefined;
    await handoff(
      tabs,
      leader,
      upstreams,
      'leader-frozen',
      async (old) => {
        session = await chromium.context.newCDPSession(old);
        await session.send('Page.setWebLifecycleState', { state: 'frozen' });
      },
      t,
    );
    await session!.send('Page.setWebLifecycleState', { state: 'active' });
    await assertAllReceived([leader], 'leader-frozen');
    const hub = await debug(leader);
    assert.deepEqual({ host: hub.host, tabs: hub.tabs }, { host: 'leader', tabs: TABS }, 'the old leader is a follower of the new one now');
    assert.equal(await readMetric(push.url, 'tabmux_connections', SSE), 1, 'still one upstream');
    assert.equal(upstreams.opened(leader), 1, 'the old leader did not open an upstream again');
  });
});

test('a frozen follower does not hold the others up: the leader closes while one follower is frozen; the rest carry on, the frozen one catches up when active', { timeout: 180_000 }, async (t) => {
  await withLeaderTabs('leader-frozen-follower', async (tabs, leader, upstreams) => {
    // The first follower to attach: first in line for everything the leader's end releases.
    const frozen = tabs.find((tab) => tab !== leader)!;
    const session = await chromium.context.newCDPSession(frozen);
    await session.send('Page.setWebLifecycleState', { state: 'frozen' });
    const rest = tabs.filter((tab) => tab !== frozen);
    await handoff(rest, leader, upstreams, 'leader-frozen-follower', (old) => old.close(), t, TABS - 2);
    await session.send('Page.setWebLifecycleState', { state: 'active' });
    await assertAllReceived([frozen], 'leader-frozen-follower');
  });
});

test('a page of a newer version takes the leadership at once (Web Locks steal): one upstream at the end, 0 lost and 0 duplicated in the old pages', { timeout: 180_000 }, async (t) => {
  const [major, minor] = TABMUX_VERSION.split('.').map(Number);
  const newer = `${major}.${minor! + 1}.0`;
  await withLeaderTabs(
    'leader-newer',
    async (tabs, leader, upstreams) => {
      const [page] = await openWindows(chromium, 1);
      try {
        upstreams.watch(page!);
        await handoff(
          tabs,
          leader,
          upstreams,
          'leader-newer',
          async () => {
            await page!.goto(`${pages.url}/pages/leader-newer.html?server=${encodeURIComponent(push.url)}&channels=leader-newer&transport=sse&host=leader&from=${TABMUX_VERSION}&version=${newer}`);
            await withTimeout(page!.evaluate(() => (window as unknown as { tabReady: Promise<void> }).tabReady), 30_000, 'the newer page to subscribe');
          },
          t,
          5,
          false,
        );
        assert.equal(upstreams.leader(), page, `the ${newer} page leads`);
        const got = (await received(page!))['leader-newer']!;
        assert.deepEqual(got, range(MESSAGES).slice(MESSAGES - got.length), 'the newer page got every message from its subscription on, once, in order');
        const hub = await debug(tabs[0]!);
        assert.deepEqual({ host: hub.host, tabs: hub.tabs }, { host: 'leader', tabs: 5 }, 'the old pages attached to the newer leader');
      } finally {
        await page!.close();
      }
    },
    4,
  );
});

test('back/forward cache: a follower, then the leader, leave for another page and come back: restored from the cache, every message once', { timeout: 180_000 }, async () => {
  await withLeaderTabs(
    'leader-bfcache',
    async (tabs, leader) => {
      const follower = tabs.find((tab) => tab !== leader)!;
      let n = 0;
      for (const tab of [follower, leader]) {
        const cdp = await chromium.context.newCDPSession(tab);
        await cdp.send('Page.enable');
        const notUsed: unknown[] = [];
        cdp.on('Page.backForwardCacheNotUsed', (event) => notUsed.push(event.notRestoredExplanations));
        await tab.evaluate(() => {
          const w = window as unknown as { restored: boolean };
          w.restored = false;
          addEventListener('pageshow', (event) => (w.restored ||= event.persisted));
        });
        await push.server.publish('leader-bfcache', { n: n++ });
        await tab.goto('about:blank');
        await push.server.publish('leader-bfcache', { n: n++ }); // while the page sits in the cache
        // The others have it while this page is cached: when the leader is the one cached, a new one led.
        const others = tabs.filter((other) => other !== tab);
        await waitFor(`the other tabs to have ${n} messages while one is cached`, async () => (await Promise.all(others.map(received))).every((r) => (r['leader-bfcache']?.length ?? 0) >= n), 30_000);
        await tab.goBack({ waitUntil: 'commit' });
        await waitFor('pageshow with persisted (restored from the back/forward cache)', () => tab.evaluate(() => (window as unknown as { restored: boolean }).restored), 15_000);
        assert.deepEqual(notUsed, [], 'Chromium reported no reason to refuse the cache');
        await cdp.detach();
      }
      await push.server.publish('leader-bfcache', { n: n++ });
      await waitFor(`every tab to have ${n} messages`, async () => (await Promise.all(tabs.map(received))).every((r) => (r['leader-bfcache']?.length ?? 0) >= n), 30_000);
      for (const tab of tabs) assert.deepEqual((await received(tab))['leader-bfcache'], range(n), 'every message once, in order');
      await waitFor('one upstream at the server', async () => (await readMetric(push.url, 'tabmux_connections', SSE)) === 1, 30_000);
    },
    3,
  );
});
