// Tab churn: 30 tabs with different channels open and close (closed pages, crashed pages, pages
// navigated away, none saying goodbye). The hub learns of each from its Web Lock, and within 3 s
// of the last close the server's `tabmux_subscriptions` is exactly what the remaining tabs need.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { debugOf } from '../helpers/page-debug.js';
import { openTabs, readMetric } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';

const TABS = 30;

const { push, pages, browser } = e2eFixture();

/** Tab i wants `shared` plus `c<i mod 12>` and, for odd i, `odd-<i>`. */
function channelsOf(i: number): string[] {
  return ['shared', `c${i % 12}`, ...(i % 2 === 1 ? [`odd-${i}`] : [])];
}

for (const transport of ['sse', 'ws'] as const) {
  test(`${transport}: 30 tabs open and close; tabmux_subscriptions returns to what the remaining tabs need within 3 s`, async () => {
    const context = await browser.newContext();
    try {
      const url = (i: number) => `${pages.url}/pages/tab.html?server=${encodeURIComponent(push.url)}&channels=${channelsOf(i).join(',')}&transport=${transport}`;
      // Open in waves and close some of each wave while the next opens: real churn, not one burst.
      const open = new Map<number, Page>();
      for (let wave = 0; wave < TABS / 10; wave++) {
        const indices = Array.from({ length: 10 }, (_, k) => wave * 10 + k);
        const tabs = await openTabs(context, indices.length, (k) => url(indices[k]!));
        indices.forEach((index, k) => open.set(index, tabs[k]!));
        const all = new Set(indices.flatMap(channelsOf));
        await waitFor(`the upstream to carry wave ${wave}'s channels`, async () => (await readMetric(push.url, 'tabmux_subscriptions')) >= all.size);
        for (const index of indices.filter((i) => i % 3 !== 0)) {
          const page = open.get(index)!;
          open.delete(index);
          // A third leave by crashing, the rest by closing or navigating away: no goodbye either way.
          if (index % 3 === 1) await page.close();
          else await page.goto('about:blank');
        }
      }
      const crashed = open.get(3)!;
      open.delete(3);
      const cdp = await context.newCDPSession(crashed);
      void cdp.send('Page.crash').catch(() => undefined);
      const needed = new Set([...open.keys()].flatMap(channelsOf));
      const closedAt = Date.now();
      const value = await waitFor(
        `tabmux_subscriptions to equal the ${needed.size} channels the ${open.size} remaining tabs need`,
        async () => {
          const now = await readMetric(push.url, 'tabmux_subscriptions');
          return now === needed.size ? now : undefined;
        },
        3000,
      );
      assert.equal(value, needed.size);
      console.log(`# subscriptions back to ${needed.size} for ${open.size} tabs after ${Date.now() - closedAt} ms`);
      assert.equal(await readMetric(push.url, 'tabmux_connections', `{transport="${transport}"}`), 1, 'and one upstream');
      const debug = await debugOf<{ tabs: number; channels: object }>(open.get(0)!);
      assert.equal(debug.tabs, open.size, 'the hub counts only live tabs');
      assert.deepEqual(Object.keys(debug.channels).sort(), [...needed].sort());
    } finally {
      await context.close();
    }
  });
}
