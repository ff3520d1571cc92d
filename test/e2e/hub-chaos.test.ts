// Chaos: while messages flow, every upstream connection is cut 10 times (a loopback TCP proxy
// between the browser and the server drops all of them, as a network would). Every tab must end
// with every message exactly once, in order: the hub resumes each channel from its cursor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { debugOf } from '../helpers/page-debug.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { openTabs, range, received } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';

const TABS = 4;
const MESSAGES = 200;
const CUTS = 10;

// A short `retry:` keeps the test quick; the backoff's jitter still applies on top.
const { push, pages, browser, front: proxy } = e2eFixture({ server: { retry: 50, history: 1000 }, front: ({ push }) => startTcpProxy(push.port) });

for (const transport of ['sse', 'ws', 'poll'] as const) {
  test(`${transport}: ${CUTS} cuts of every upstream while 200 messages flow → each tab has each message once, in order`, async () => {
    const channel = `chaos-${transport}`;
    const context = await browser.newContext();
    try {
      const server = `http://127.0.0.1:${proxy.port}`;
      const tabs = await openTabs(context, TABS, (i) => `${pages.url}/pages/tab.html?server=${encodeURIComponent(server)}&channels=${channel},other-${i % 2}&transport=${transport}`);
      const hubState = () => debugOf<{ upstream: string }>(tabs[0]!).then((d) => d.upstream);
      let cuts = 0;
      for (const n of range(MESSAGES)) {
        await push.server.publish(channel, { n });
        if (n % 2 === 0) await push.server.publish(`other-${n % 4 === 0 ? 0 : 1}`, { n });
        if (n % 20 === 10 && cuts < CUTS) {
          // Cut only a live upstream (open at the hub, replay done), so every cut drops a working
          // connection; cutting one still being set up would only test the backoff's patience.
          await waitFor('the hub to be open', async () => (await hubState()) === 'open' && proxy.open > 0, 30_000, 10);
          const before = proxy.accepted;
          proxy.cutAll();
          cuts++;
          await waitFor('the hub to reconnect after the cut', () => proxy.accepted > before, 20_000, 10).catch(async (error: Error) => {
            const debug = await debugOf<unknown>(tabs[0]!);
            throw new Error(`${error.message} (cut ${cuts}); hub: ${JSON.stringify(debug)}`, { cause: error });
          });
        }
      }
      assert.equal(cuts, CUTS);
      await waitFor('every tab to have all messages', async () => (await Promise.all(tabs.map(received))).every((r) => (r[channel]?.length ?? 0) >= MESSAGES), 30_000);
      for (const [i, tab] of tabs.entries()) {
        const got = await received(tab);
        assert.deepEqual(got[channel], range(MESSAGES), `tab ${i}: ${channel} once each, in order`);
        const other = range(MESSAGES).filter((n) => n % 2 === 0 && (n % 4 === 0 ? 0 : 1) === i % 2);
        assert.deepEqual(got[`other-${i % 2}`], other, `tab ${i}: its second channel too`);
        assert.deepEqual(await tab.evaluate(() => (window as unknown as { errors: string[] }).errors), [], `tab ${i}: no error reported`);
      }
    } finally {
      await context.close();
    }
  });
}
