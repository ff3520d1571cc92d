// 12 tabs of one origin over HTTP/1.1: tabmux holds ONE upstream for all of them, and every tab
// gets all 200 messages in order. The same with one native EventSource per tab shows why: the
// browser's 6-connections-per-host limit (HTTP/1.1) stalls tabs 7 to 12.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { debugOf } from '../helpers/page-debug.js';
import { openTabs, range, readMetric, received } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';

const TABS = 12;
const MESSAGES = 200;

const { push, pages, browser } = e2eFixture();

for (const transport of ['sse', 'ws', 'poll'] as const) {
  test(`tabmux (${transport}): 12 tabs, exactly 1 upstream connection at the server, all 200 messages in order in every tab`, async () => {
    const context = await browser.newContext();
    try {
      const tabs = await openTabs(context, TABS, () => `${pages.url}/pages/tab.html?server=${encodeURIComponent(push.url)}&channels=ticker-${transport}&transport=${transport}`);
      assert.equal(await readMetric(push.url, 'tabmux_connections', `{transport="${transport}"}`), 1, 'one upstream for 12 tabs');
      const debug = await debugOf<{ host: string; tabs: number; transport: string }>(tabs[11]!);
      assert.deepEqual({ host: debug.host, tabs: debug.tabs, transport: debug.transport }, { host: 'shared-worker', tabs: TABS, transport });
      for (const n of range(MESSAGES)) await push.server.publish(`ticker-${transport}`, { n });
      await waitFor('every tab to have 200 messages', async () => (await Promise.all(tabs.map(received))).every((r) => (r[`ticker-${transport}`]?.length ?? 0) >= MESSAGES), 30_000);
      for (const [i, tab] of tabs.entries()) assert.deepEqual((await received(tab))[`ticker-${transport}`], range(MESSAGES), `tab ${i + 1}: every message once, in order`);
      // A long-poll has no request open for a moment between two polls: wait for the next one.
      const open = await waitFor('the upstream to be open again', async () => {
        const n = await readMetric(push.url, 'tabmux_connections');
        return n >= 1 ? n : undefined;
      });
      assert.equal(open, 1, 'still one upstream');
    } finally {
      await context.close();
    }
  });
}

test('the baseline: one native EventSource per tab stalls tabs 7+ (6 connections per host on HTTP/1.1)', async () => {
  const context = await browser.newContext();
  try {
    const tabs = await openTabs(context, TABS, () => `${pages.url}/pages/native.html?server=${encodeURIComponent(push.url)}&channels=native`);
    await waitFor('6 native streams to be open at the server', async () => (await readMetric(push.url, 'tabmux_connections', '{transport="sse"}')) === 6);
    for (const n of range(MESSAGES)) await push.server.publish('native', { n });
    const complete = await waitFor('6 tabs to have all messages', async () => {
      const all = await Promise.all(tabs.map(received));
      const done = all.filter((r) => r.native?.length === MESSAGES);
      return done.length === 6 ? all : undefined;
    });
    const counts = complete.map((r) => r.native?.length ?? 0);
    assert.deepEqual([...counts].sort((a, b) => b - a), [...Array(6).fill(MESSAGES), ...Array(6).fill(0)], `6 tabs served, 6 stalled: ${counts.join(',')}`);
    assert.equal(await readMetric(push.url, 'tabmux_connections', '{transport="sse"}'), 6, 'the browser never opened a 7th');
  } finally {
    await context.close();
  }
});
