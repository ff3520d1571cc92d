/**
 * The hub's added hop, on one clock: one page receives every message through the tabmux
 * SharedWorker hub and through two native EventSources, all upstreams written by the same
 * publish. The server writes a message to its streams in subscription order, and the stream
 * written first arrives first (by up to ~1 ms on this machine), so one EventSource subscribes
 * before the hub and one after, and hop(n) = arrival via hub − the mean of the two native
 * arrivals, in that page's own clock. It covers the hub's SSE parsing, the MessagePort to the tab
 * and the client's dispatch, against the browser's native parser delivering to the page directly.
 *
 * The floor is the same measurement with a bare SharedWorker relaying the stream in place of the
 * hub (pages/relay-worker.js): what any SharedWorker costs on this machine, parser and hub aside.
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
  before: (number | null)[];
  after: (number | null)[];
}

export interface HopResults {
  /** Through the tabmux hub. */
  readonly hub: Summary;
  /** Through a bare SharedWorker relaying the stream: the platform's part of the hop. */
  readonly floor: Summary;
}

export async function measureHop(browser: Browser, server: ServerHandle, pagesUrl: string, plan: BrowserPlan): Promise<HopResults> {
  return { hub: await measureOne(browser, server, pagesUrl, plan, 'hop'), floor: await measureOne(browser, server, pagesUrl, plan, 'hop-floor') };
}

async function measureOne(browser: Browser, server: ServerHandle, pagesUrl: string, plan: BrowserPlan, mode: 'hop' | 'hop-floor'): Promise<Summary> {
  const serverUrl = `http://127.0.0.1:${server.port}`;
  await waitFor('the previous run to leave the server', async () => (await upstreams(serverUrl)) === 0, plan.timeoutMs);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${pagesUrl}/bench/tab.html?mode=${mode}&server=${encodeURIComponent(serverUrl)}`);
    await withTimeout(page.evaluate(() => (window as unknown as { tabReady: Promise<unknown> }).tabReady), plan.timeoutMs, `the ${mode} page to subscribe three times`);
    const complete = (count: number) => async () => {
      const hop = await page.evaluate(() => (window as unknown as { hop: Hop }).hop);
      const full = (list: (number | null)[]) => list.length >= count && list.slice(0, count).every((v) => typeof v === 'number');
      return full(hop.mux) && full(hop.before) && full(hop.after) ? hop : undefined;
    };
    await server.burst(3, 100, plan.timeoutMs);
    await waitFor(`${mode} warm-up`, complete(3), plan.timeoutMs);
    await page.evaluate(() => Object.assign((window as unknown as { hop: Hop }).hop, { mux: [], before: [], after: [] }));
    await server.rate(plan.latencyMessages, 100, plan.latencyRate, plan.timeoutMs + (plan.latencyMessages * 1000) / plan.latencyRate);
    const hop = await waitFor(`every message three times (${mode})`, complete(plan.latencyMessages), plan.timeoutMs);
    return summarize(hop.mux.slice(0, plan.latencyMessages).map((at, n) => at! - (hop.before[n]! + hop.after[n]!) / 2));
  } finally {
    await context.close();
  }
}
