/**
 * The hub's added hop, on one clock: one page receives every message twice, through the tabmux
 * SharedWorker hub and through a native EventSource, both upstreams written by the same publish.
 * hop(n) = arrival via hub − arrival via EventSource, in that page's own clock. It covers the
 * hub's SSE parsing, the MessagePort to the tab and the client's dispatch, compared with the
 * browser's native parser delivering to the page directly.
 */
import type { Browser } from 'playwright-core';
import { summarize } from '../lib/stats.js';
import type { Summary } from '../lib/stats.js';
import { waitFor, withTimeout } from '../../test/helpers/wait.js';
import type { ServerHandle } from '../server/server-handle.js';
import type { BrowserPlan } from './plan.js';
import { upstreams } from './measure-tabs.js';

interface Hop {
  mux: (number | null)[];
  native: (number | null)[];
}

export async function measureHop(browser: Browser, server: ServerHandle, pagesUrl: string, plan: BrowserPlan): Promise<Summary> {
  const serverUrl = `http://127.0.0.1:${server.port}`;
  await waitFor('the previous run to leave the server', async () => (await upstreams(serverUrl)) === 0, plan.timeoutMs);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${pagesUrl}/bench/tab.html?mode=hop&server=${encodeURIComponent(serverUrl)}`);
    await withTimeout(page.evaluate(() => (window as unknown as { tabReady: Promise<unknown> }).tabReady), plan.timeoutMs, 'the hop page to subscribe twice');
    const complete = (count: number) => async () => {
      const hop = await page.evaluate(() => (window as unknown as { hop: Hop }).hop);
      const full = (list: (number | null)[]) => list.length >= count && list.slice(0, count).every((v) => typeof v === 'number');
      return full(hop.mux) && full(hop.native) ? hop : undefined;
    };
    await server.burst(3, 100, plan.timeoutMs);
    await waitFor('hop warm-up', complete(3), plan.timeoutMs);
    await page.evaluate(() => Object.assign((window as unknown as { hop: Hop }).hop, { mux: [], native: [] }));
    await server.rate(plan.latencyMessages, 100, plan.latencyRate, plan.timeoutMs + (plan.latencyMessages * 1000) / plan.latencyRate);
    const hop = await waitFor('every message via hub and via EventSource', complete(plan.latencyMessages), plan.timeoutMs);
    return summarize(hop.mux.slice(0, plan.latencyMessages).map((at, n) => at! - hop.native[n]!));
  } finally {
    await context.close();
  }
}
