/**
 * One row of the battery table: 5 real Chromium tabs in one mode for a simulated hour, counted
 * on the wire by a proxy between the browser and the server. `tabmux (all hidden)` minimises every
 * tab's window once all are connected (hide-tabs.ts: the pages really report 'hidden'); the row
 * formerly asked every tab
 * to freeze (hide-tabs.ts) and measures what the hub really does then, with whatever the tabs saw.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { waitFor, withTimeout } from '../../test/helpers/wait.js';
import type { BatteryPlan } from './plan.js';
import { startBatteryServer } from './battery-server.js';
import { startCountingProxy } from './counting-proxy.js';
import { hideTabs } from './hide-tabs.js';

export type BatteryMode = 'tabmux-visible' | 'tabmux-hidden' | 'eventsource' | 'long-poll' | 'poll';

export interface BatteryResult {
  readonly mode: BatteryMode;
  readonly tabs: number;
  readonly simulatedSeconds: number;
  /** The window really run (the polling rows: shorter, their counts scaled to simulatedSeconds). */
  readonly measuredSimulatedSeconds: number;
  /** Upstream connections held when the hour began plus those opened during it. */
  readonly connections: number;
  /** Upstream connections open at the end of the hour. */
  readonly connectionsOpenAtEnd: number;
  readonly requests: number;
  readonly wakeUps: number;
  readonly bytes: number;
  readonly published: number;
  /** Messages received, summed over tabs (read after the hour, once tabs are active again). */
  readonly received: number;
  /** Tabs that saw `freeze` or `hidden` (the hidden row only; see hide-tabs.ts). */
  readonly tabsThatSawHidden: number;
  readonly error?: string;
}

interface TabBench {
  received: number;
  lifecycle: string[];
}

const pageMode = (mode: BatteryMode): string => (mode === 'tabmux-visible' || mode === 'tabmux-hidden' ? 'tabmux' : mode);

/** Every figure is counted over the hour, which begins once every tab is connected (and hidden). */
/** Opens the row's tabs: plain pages for most rows, one window each for the hidden row. */
export interface TabOpener {
  readonly context: BrowserContext;
  open(count: number): Promise<Page[]>;
  /** Closes what `open` opened. */
  dispose(pages: readonly Page[]): Promise<void>;
}

export async function measureBattery(tabsOf: TabOpener, pagesUrl: string, mode: BatteryMode, fullPlan: BatteryPlan): Promise<BatteryResult> {
  // Both polling rows: a request's own overhead (tens of ms on a loaded machine) is not compressed.
  const plan = mode === 'poll' || mode === 'long-poll' ? { ...fullPlan, ...fullPlan.pollWindow } : fullPlan;
  /** Figures of a shorter window are scaled to the hour. */
  const scale = fullPlan.simulatedSeconds / plan.simulatedSeconds;
  const server = await startBatteryServer(plan.compression);
  const proxy = await startCountingProxy(server.port);
  const context = tabsOf.context;
  let pages: Page[] = [];
  const base = { mode, tabs: plan.tabs, simulatedSeconds: fullPlan.simulatedSeconds, measuredSimulatedSeconds: plan.simulatedSeconds };
  const timers = new Set<NodeJS.Timeout>();
  let published = 0;
  try {
    const serverUrl = `http://127.0.0.1:${proxy.port}`;
    pages = await tabsOf.open(plan.tabs);
    for (const page of pages) {
      await page.goto(`${pagesUrl}/bench/battery.html?mode=${pageMode(mode)}&compression=${plan.compression}&server=${encodeURIComponent(serverUrl)}`);
    }
    await Promise.all(pages.map((page, i) => withTimeout(page.evaluate(() => (window as unknown as { tabReady: Promise<unknown> }).tabReady), plan.timeoutMs, `${mode} tab ${i} to be ready`)));
    const hidden = mode === 'tabmux-hidden' ? await hideTabs(context, pages, plan.timeoutMs) : undefined;

    const before = { ...proxy.counts, requests: server.requests(), open: proxy.open() };
    const hourMs = (plan.simulatedSeconds * 1000) / plan.compression;
    const everyMs = (plan.messageEverySimulatedSeconds * 1000) / plan.compression;
    const messages = Math.floor(plan.simulatedSeconds / plan.messageEverySimulatedSeconds);
    for (let k = 1; k <= messages; k++) {
      // Each on its own schedule from the start of the hour, so a late one does not shift the rest.
      const timer = setTimeout(() => {
        timers.delete(timer);
        published++;
        void server.push.publish('battery', { n: k });
      }, k * everyMs - 1);
      timers.add(timer);
    }
    await new Promise((resolve) => setTimeout(resolve, hourMs));
    await waitFor('every scheduled message to be published', () => timers.size === 0, plan.timeoutMs);
    const after = { ...proxy.counts, requests: server.requests(), open: proxy.open() };
    await hidden?.restore();
    const tabs = await waitFor(
      'every tab to have every message',
      async () => {
        const all = await Promise.all(pages.map((page) => page.evaluate(() => (window as unknown as { bench: TabBench }).bench)));
        return all.every((t) => t.received >= published) ? all : undefined;
      },
      plan.timeoutMs,
    ).catch(() => Promise.all(pages.map((page) => page.evaluate(() => (window as unknown as { bench: TabBench }).bench))));
    return {
      ...base,
      connections: before.open + Math.round((after.connections - before.connections) * scale),
      connectionsOpenAtEnd: after.open,
      requests: Math.round((after.requests - before.requests) * scale),
      wakeUps: Math.round((after.wakeUps - before.wakeUps) * scale),
      bytes: Math.round((after.bytesUp - before.bytesUp + (after.bytesDown - before.bytesDown)) * scale),
      published: Math.round(published * scale),
      received: Math.round(tabs.reduce((sum, t) => sum + t.received, 0) * scale),
      tabsThatSawHidden: tabs.filter((t) => t.lifecycle.includes('freeze') || t.lifecycle.includes('hidden')).length,
    };
  } catch (error) {
    const nan = Number.NaN;
    return { ...base, connections: nan, connectionsOpenAtEnd: nan, requests: nan, wakeUps: nan, bytes: nan, published, received: nan, tabsThatSawHidden: 0, error: String(error) };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    await tabsOf.dispose(pages);
    await waitFor('battery tabs to leave', () => proxy.open() === 0, 10_000).catch(() => undefined);
    await proxy.close();
    await server.close();
  }
}
