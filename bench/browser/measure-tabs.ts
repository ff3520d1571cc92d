/**
 * N tabs in one Chromium profile receiving one channel: tabmux (one SharedWorker hub, one
 * upstream), one native EventSource per tab, one WebSocket per tab. All against the same tabmux server process,
 * so only the browser side differs.
 */
import type { Browser, Page } from 'playwright-core';
import { estimateOffset, wallMs } from '../lib/clock.js';
import { summarize } from '../lib/stats.js';
import type { Summary } from '../lib/stats.js';
import { readMetric } from '../../test/helpers/browser.js';
import { waitFor, withTimeout } from '../../test/helpers/wait.js';
import type { ServerHandle } from '../server/server-handle.js';
import type { BrowserPlan } from './plan.js';
import { HTTP1_CONNECTIONS_PER_HOST } from './plan.js';

export type TabMode = 'tabmux' | 'eventsource' | 'websocket';

export interface TabsResult {
  readonly mode: TabMode;
  readonly tabs: number;
  /** Tabs that received messages (one EventSource per tab: at most 6 over HTTP/1.1). */
  readonly servedTabs: number;
  readonly upstreamConnections: number;
  readonly deliveriesPerSec: number;
  readonly latency: Summary;
  readonly error?: string;
}

interface TabState {
  readonly count: number;
  readonly lastAt: number;
  readonly ready: boolean;
}

export const state = (page: Page): Promise<TabState> =>
  page.evaluate(() => {
    const b = (window as unknown as { bench: TabState }).bench;
    return { count: b.count, lastAt: b.lastAt, ready: b.ready };
  });

const reset = (page: Page, sampling: boolean): Promise<void> =>
  page.evaluate((s) => (window as unknown as { bench: { reset(s: boolean): void } }).bench.reset(s), sampling);

export async function allAtLeast(pages: readonly Page[], count: number, timeoutMs: number, what: string): Promise<TabState[]> {
  return waitFor(what, async () => {
    const states = await Promise.all(pages.map(state));
    return states.every((s) => s.count >= count) ? states : undefined;
  }, timeoutMs, 20);
}

export async function upstreams(serverUrl: string): Promise<number> {
  return readMetric(serverUrl, 'tabmux_connections');
}

export async function measureTabs(browser: Browser, server: ServerHandle, pagesUrl: string, mode: TabMode, tabs: number, plan: BrowserPlan): Promise<TabsResult> {
  const serverUrl = `http://127.0.0.1:${server.port}`;
  await waitFor('the previous run to leave the server', async () => (await upstreams(serverUrl)) === 0, plan.timeoutMs);
  const context = await browser.newContext();
  try {
    const pages: Page[] = [];
    for (let i = 0; i < tabs; i++) {
      const page = await context.newPage();
      await page.goto(`${pagesUrl}/bench/tab.html?mode=${mode}&transport=sse&server=${encodeURIComponent(serverUrl)}`);
      pages.push(page);
    }
    const expected = mode === 'eventsource' ? Math.min(tabs, HTTP1_CONNECTIONS_PER_HOST) : tabs;
    if (mode === 'eventsource') {
      await waitFor(`${expected} EventSource streams at the server`, async () => (await upstreams(serverUrl)) >= expected, plan.timeoutMs);
      await waitFor(`${expected} tabs to see $open`, async () => (await Promise.all(pages.map(state))).filter((s) => s.ready).length >= expected, plan.timeoutMs);
    } else {
      await Promise.all(pages.map((page, i) => withTimeout(page.evaluate(() => (window as unknown as { tabReady: Promise<unknown> }).tabReady), plan.timeoutMs, `${mode} tab ${i} to subscribe`)));
    }
    const served = (await Promise.all(pages.map(state))).map((s, i) => (s.ready ? pages[i]! : undefined)).filter((p): p is Page => p !== undefined);
    const upstreamConnections = await upstreams(serverUrl);
    // Page clock minus ours, per page (each may live in its own renderer process).
    const pageOffsets = await Promise.all(served.map((page) => estimateOffset(() => page.evaluate(() => (window as unknown as { clockNow(): number }).clockNow()), 15)));

    await server.burst(3, 100, plan.timeoutMs);
    await allAtLeast(served, 3, plan.timeoutMs, `${mode}: warm-up in ${served.length} tabs`);

    await Promise.all(served.map((page) => reset(page, false)));
    const start = wallMs();
    await server.burst(plan.burstMessages, 100, plan.timeoutMs);
    const after = await allAtLeast(served, plan.burstMessages, plan.timeoutMs, `${mode}: ${plan.burstMessages} messages in ${served.length} tabs`);
    const end = Math.max(...after.map((s, i) => s.lastAt - pageOffsets[i]!));
    const deliveriesPerSec = (served.length * plan.burstMessages) / ((end - start) / 1000);

    await Promise.all(served.map((page) => reset(page, true)));
    await server.rate(plan.latencyMessages, 100, plan.latencyRate, plan.timeoutMs + (plan.latencyMessages * 1000) / plan.latencyRate);
    await allAtLeast(served, plan.latencyMessages, plan.timeoutMs, `${mode}: latency run in ${served.length} tabs`);
    const samples: number[] = [];
    for (const [i, page] of served.entries()) {
      const raw = await page.evaluate(() => (window as unknown as { bench: { lat: number[] } }).bench.lat);
      // raw = page clock at receipt − scheduled time (server clock); move both to the server clock.
      for (const r of raw) samples.push(r - pageOffsets[i]! + server.offsetMs);
    }
    return { mode, tabs, servedTabs: served.length, upstreamConnections, deliveriesPerSec, latency: summarize(samples) };
  } catch (error) {
    return { mode, tabs, servedTabs: 0, upstreamConnections: Number.NaN, deliveriesPerSec: Number.NaN, latency: summarize([]), error: String(error) };
  } finally {
    await context.close();
  }
}
