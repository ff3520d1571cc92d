// A resume across an eviction, in Chromium through the real SharedWorker hub (README, Limits and
// budgets: "The history budget"). The server keeps history for at most 2 channels. A tab holds
// channels A and B and has message 1 of each; then its hub's upstream is cut (a TCP proxy between
// the browser and the server drops it and refuses the reconnects, as a dead network would) while
//   A2, B2, C1 (a third channel: A, the least recently published, loses its history, A2 with it),
//   B3, A3 (A anew: C loses its history), A4, B4
// are published. When the network comes back, the tab must get one `reset` for A and none for B,
// B2..B4 once each and in order, A3 and A4 once each, and A2 never; then live messages go on.
// Over SSE, WebSocket and long-poll: each tells of the gap its own way ($reset, a reset frame,
// `resets`), and the tab hears the reset before A3 on all three.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openTabs, readMetric, received } from '../helpers/browser.js';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { freePort } from '../helpers/free-port.js';
import { debugOf } from '../helpers/page-debug.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

interface TabRecord {
  received: Record<string, number[]>;
  resets: { channel: string; code: string; at: number }[];
  errors: string[];
}

const record = (tab: Page): Promise<TabRecord> =>
  tab.evaluate(() => {
    const w = window as unknown as TabRecord;
    return { received: w.received, resets: w.resets, errors: w.errors };
  });

// A short `retry:` keeps the reconnects quick; the backoff's jitter still applies on top.
const { push, pages, browser, front: proxy } = e2eFixture({
  server: { retry: 50, historyMaxChannels: 2 },
  front: ({ push }) => startTcpProxy(push.port),
});

for (const transport of ['sse', 'ws', 'poll'] as const) {
  test(`${transport}: a resume across an eviction → one reset for the evicted channel, none for the kept one, every retained message once, in order`, { timeout: 120_000 }, async () => {
    const [a, b, c] = ['evicted', 'kept', 'filler'].map((name) => `${name}-${transport}`) as [string, string, string];
    const context = await browser.newContext();
    let last: TabRecord | undefined;
    try {
      const server = `http://127.0.0.1:${proxy.port}`;
      const [tab] = await openTabs(context, 1, () => `${pages.url}/pages/tab.html?server=${encodeURIComponent(server)}&channels=${a},${b}&transport=${transport}&host=shared-worker`);
      assert.equal((await debugOf<{ host: string }>(tab!)).host, 'shared-worker');
      await push.server.publish(a, { n: 1 });
      await push.server.publish(b, { n: 1 });
      // Both channels have a real cursor at the hub before the cut.
      await waitFor('A1 and B1 in the tab', async () => {
        const got = await received(tab!);
        return got[a]?.length === 1 && got[b]?.length === 1;
      });

      // The network goes: every open upstream is cut and every new one refused.
      const deadPort = await freePort();
      proxy.setTarget(deadPort);
      proxy.cutAll();
      await waitFor('no tabmux connection left at the server', async () => (await readMetric(push.url, 'tabmux_connections')) === 0, 20_000);

      const evictedBefore = await readMetric(push.url, 'tabmux_history_evicted_total', '{reason="channels"}');
      await push.server.publish(a, { n: 2 });
      await push.server.publish(b, { n: 2 });
      await push.server.publish(c, { n: 1 }); // 3 channels: A's history (A1, A2) is dropped
      await push.server.publish(b, { n: 3 });
      await push.server.publish(a, { n: 3 }); // A anew: C's history is dropped
      await push.server.publish(a, { n: 4 });
      await push.server.publish(b, { n: 4 });
      assert.equal((await readMetric(push.url, 'tabmux_history_evicted_total', '{reason="channels"}')) - evictedBefore, 2, 'A then C evicted by the channel budget');
      assert.equal(await readMetric(push.url, 'tabmux_history_channels'), 2, 'the budget holds');
      const before = await record(tab!);
      assert.deepEqual(before.received, { [a]: [1], [b]: [1] }, 'nothing reached the tab while the network was gone');

      // The network comes back.
      proxy.setTarget(push.port);
      await waitFor(
        () => `the resume to deliver A3, A4 and B2..B4 (tab: ${JSON.stringify(last)})`,
        async () => {
          last = await record(tab!);
          return (last.received[a]?.length ?? 0) >= 3 && (last.received[b]?.length ?? 0) >= 4;
        },
        30_000,
      );
      // Live again: one more message per channel. Delivery is in order, so a replayed message
      // or a reset delivered twice would show before these.
      await push.server.publish(a, { n: 5 });
      await push.server.publish(b, { n: 5 });
      await waitFor('A5 and B5 in the tab', async () => {
        last = await record(tab!);
        return last.received[a]?.at(-1) === 5 && last.received[b]?.at(-1) === 5;
      });

      const after = await record(tab!);
      assert.deepEqual(after.received[a], [1, 3, 4, 5], 'A: A2 went with the evicted history; A3 and A4 replayed once each, then live');
      assert.deepEqual(after.received[b], [1, 2, 3, 4, 5], 'B: every message once, in order');
      assert.deepEqual(after.resets, [{ channel: a, code: 'TABMUX_ERR_HISTORY_GAP', at: 1 }], 'one reset, for A only, after A1 and before A3');
      assert.deepEqual(after.errors, [], 'no error reported');
    } finally {
      proxy.setTarget(push.port);
      await context.close();
    }
  });
}
