// The upstream lock in real Chromium (worker/hub-succession.ts `upstreamLock`): while someone
// else holds `tabmux-upstream:shared-worker:<name>` (an old deploy's hub, here a page), the
// SharedWorker hub opens no upstream and shows `connecting`; once it is released, it opens one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { readMetric, received } from '../helpers/browser.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { startVersionedStatic } from '../helpers/versioned-static.js';
import type { DebugSnapshot } from '../../src/hub-protocol/hub-api.js';

const { push, pages, browser } = e2eFixture({ pages: () => startVersionedStatic() });

test('a hub waits for the upstream lock in connecting, with no upstream opened, and opens one once it is released', async () => {
  const channel = 'gate';
  const context = await browser.newContext();
  try {
    // Another hub of the same name holds the right to an upstream (here: a page of the origin).
    const holder = await context.newPage();
    await holder.goto(`${pages.url}/pages/auto-tab.html?channels=`);
    const lockName = `tabmux-upstream:shared-worker:tabmux:sse:${push.url}`;
    await holder.evaluate(
      (name) =>
        new Promise<void>((held) => {
          void navigator.locks.request(name, () => {
            held();
            return new Promise<void>((release) => ((window as unknown as { releaseUpstream: () => void }).releaseUpstream = release));
          });
        }),
      lockName,
    );

    const tab = await context.newPage();
    await tab.goto(`${pages.url}/pages/auto-tab.html?host=shared-worker&transport=sse&channels=${channel}&server=${encodeURIComponent(push.url)}`);
    const debug = () => tab.evaluate(() => (window as unknown as { mux?: { debug(): Promise<DebugSnapshot> } }).mux?.debug());
    // The hub leaves `idle` in the very step that would open the upstream: had it opened one, `connects` would be 1.
    const waiting = await waitFor('the hub to act on the channel', async () => {
      const snapshot = await debug();
      return snapshot?.channels[channel] && snapshot.upstream !== 'idle' ? snapshot : undefined;
    }, 20_000);
    assert.equal(waiting.upstream, 'connecting', 'waiting for the lock');
    assert.equal(waiting.connects, 0, 'no upstream opened while another hub holds the lock');
    assert.equal(waiting.state, 'connecting');
    assert.equal(await readMetric(push.url, 'tabmux_connections'), 0, 'nothing at the server');

    await holder.evaluate(() => (window as unknown as { releaseUpstream: () => void }).releaseUpstream());
    await withTimeout(tab.evaluate(() => (window as unknown as { tabReady: Promise<void> }).tabReady), 20_000, 'the tab to subscribe once the lock is free');
    await push.server.publish(channel, { n: 0 });
    await waitFor('the message', async () => (await received(tab))[channel]?.length === 1, 20_000);
    const open = await debug();
    assert.equal(open?.upstream, 'open');
    assert.equal(open?.connects, 1);
    assert.equal(await readMetric(push.url, 'tabmux_connections', '{transport="sse"}'), 1);
  } finally {
    await context.close();
  }
});
