// The SharedWorker hub, the same test body in Chromium, Firefox and WebKit (README, "Browser
// support"), through the engine-neutral driver (test/helpers/engines/):
//  - 6 tabs, SSE and WebSocket: ONE upstream counted at the server, 100 messages in every tab, in
//    order, none twice;
//  - every upstream cut 5 times (a TCP proxy drops them, as a network would) while 100 messages
//    flow: 0 lost, 0 duplicated in any tab;
//  - 12 tabs churn (closed, or navigated away: no goodbye): the server's subscriptions come back to
//    exactly what the live tabs need, and the hub counts only them.
// Not driven here: the SharedWorker itself killed mid-stream. Only the DevTools protocol can
// (Chromium: test/e2e/hub-restart.test.ts); Firefox and WebKit expose no such command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readMetric, range } from '../helpers/browser.js';
import { eachEngine } from '../helpers/engines/engine-suite.js';
import { allHave, debugOf, errorsOf, openTabs, received } from '../helpers/engines/tabs.js';
import type { EngineTab } from '../helpers/engines/types.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

const TABS = 6;
const MESSAGES = 100;
const CUTS = 5;
const CHURN_TABS = 12;

const proxyTo = async (push: { port: number }): Promise<TcpProxy & { url: string }> => {
  const proxy = await startTcpProxy(push.port);
  return Object.assign(proxy, { url: `http://127.0.0.1:${proxy.port}` });
};

// A short `retry:` keeps the cuts quick; the backoff's jitter still applies on top.
eachEngine({ server: { retry: 50, history: 1000 }, front: proxyTo }, ({ name, engine, push, pages, front: proxy }) => {
  const tabUrl = (server: string, channels: string, transport: string) =>
    `${pages.url}/pages/tab.html?server=${encodeURIComponent(server)}&channels=${channels}&transport=${transport}&host=shared-worker`;

  for (const transport of ['sse', 'ws'] as const) {
    test(`${name}, ${transport}: ${TABS} tabs, exactly 1 upstream connection at the server, ${MESSAGES} messages in every tab, in order`, { timeout: 180_000 }, async () => {
      const channel = `fanout-${transport}`;
      const context = await engine.newContext();
      try {
        const tabs = await openTabs(context, TABS, () => tabUrl(push.url, channel, transport));
        await waitFor(`one ${transport} upstream at the server`, async () => (await readMetric(push.url, 'tabmux_connections', `{transport="${transport}"}`)) === 1, 20_000);
        const debug = await debugOf<{ host: string; tabs: number; transport: string }>(tabs[TABS - 1]!);
        assert.deepEqual({ host: debug.host, tabs: debug.tabs, transport: debug.transport }, { host: 'shared-worker', tabs: TABS, transport });
        for (const n of range(MESSAGES)) await push.server.publish(channel, { n });
        await waitFor(`every tab to have ${MESSAGES} messages`, allHave(tabs, channel, MESSAGES), 30_000, 200);
        for (const [i, tab] of tabs.entries()) assert.deepEqual((await received(tab))[channel], range(MESSAGES), `tab ${i}: every message once, in order`);
        assert.equal(await readMetric(push.url, 'tabmux_connections'), 1, 'still one upstream');
      } finally {
        await context.close();
      }
    });
  }

  test(`${name}: every upstream cut ${CUTS} times while ${MESSAGES} messages flow → each of 4 tabs has each message once, in order`, { timeout: 180_000 }, async () => {
    const channel = 'chaos';
    const context = await engine.newContext();
    try {
      const tabs = await openTabs(context, 4, () => tabUrl(proxy.url, channel, 'sse'));
      const hubOpen = async () => (await debugOf<{ upstream: string }>(tabs[0]!)).upstream === 'open';
      let cuts = 0;
      for (const n of range(MESSAGES)) {
        await push.server.publish(channel, { n });
        if (n % 20 === 10 && cuts < CUTS) {
          // Cut only a live upstream (open at the hub), so every cut drops a working connection.
          await waitFor('the hub to be open', async () => (await hubOpen()) && proxy.open > 0, 30_000, 50);
          const before = proxy.accepted;
          proxy.cutAll();
          cuts++;
          await waitFor(`the hub to reconnect after cut ${cuts}`, () => proxy.accepted > before, 20_000, 20);
        }
      }
      assert.equal(cuts, CUTS);
      await waitFor(`every tab to have ${MESSAGES} messages`, allHave(tabs, channel, MESSAGES), 30_000, 200);
      for (const [i, tab] of tabs.entries()) {
        assert.deepEqual((await received(tab))[channel], range(MESSAGES), `tab ${i}: 0 lost, 0 duplicated`);
        assert.deepEqual(await errorsOf(tab), [], `tab ${i}: no error reported`);
      }
    } finally {
      await context.close();
    }
  });

  test(`${name}: ${CHURN_TABS} tabs open and leave without a word; the server's subscriptions return to what the live tabs need`, { timeout: 180_000 }, async () => {
    const channelsOf = (i: number) => ['shared', `c${i % 4}`, ...(i % 2 === 1 ? [`odd-${i}`] : [])];
    const context = await engine.newContext();
    try {
      const open = new Map<number, EngineTab>();
      // Two waves; some of each leave while the next opens: churn, not one burst.
      for (const wave of [0, 1]) {
        const indices = range(CHURN_TABS / 2).map((k) => wave * (CHURN_TABS / 2) + k);
        const tabs = await openTabs(context, indices.length, (k) => tabUrl(push.url, channelsOf(indices[k]!).join(','), 'sse'));
        indices.forEach((index, k) => open.set(index, tabs[k]!));
        const wanted = new Set([...open.keys()].flatMap(channelsOf));
        await waitFor(`the upstream to carry wave ${wave}'s channels`, async () => (await readMetric(push.url, 'tabmux_subscriptions')) >= wanted.size, 20_000);
        for (const index of indices.filter((i) => i % 3 !== 0)) {
          const tab = open.get(index)!;
          open.delete(index);
          // Half closed, half navigated away: neither says goodbye; the hub learns from Web Locks.
          if (index % 2 === 0) await tab.close();
          else await tab.goto('about:blank');
        }
      }
      const needed = new Set([...open.keys()].flatMap(channelsOf));
      const leftAt = Date.now();
      await waitFor(
        `tabmux_subscriptions to equal the ${needed.size} channels the ${open.size} live tabs need`,
        async () => (await readMetric(push.url, 'tabmux_subscriptions')) === needed.size,
        10_000,
      );
      console.log(`# ${name}: subscriptions back to ${needed.size} for ${open.size} tabs ${Date.now() - leftAt} ms after the last one left`);
      assert.equal(await readMetric(push.url, 'tabmux_connections'), 1, 'and one upstream');
      const debug = await debugOf<{ tabs: number; channels: object }>(open.values().next().value!);
      assert.equal(debug.tabs, open.size, 'the hub counts only the live tabs');
      assert.deepEqual(Object.keys(debug.channels).sort(), [...needed].sort());
    } finally {
      await context.close();
    }
  });
});
