/** The battery section: the five rows of the table, one after another (the hidden row in a Chromium of its own). */
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../test/helpers/chromium.js';
import { launchCdpChromium, openWindows } from '../../test/helpers/cdp-chromium.js';
import { startStaticServer } from '../browser/static-server.js';
import type { BatteryMode, BatteryResult, TabOpener } from './measure-battery.js';
import { measureBattery } from './measure-battery.js';
import type { BatteryPlan } from './plan.js';

export interface BatteryResults {
  readonly plan: BatteryPlan;
  readonly rows: BatteryResult[];
  readonly errors: string[];
}

export const BATTERY_MODES: readonly BatteryMode[] = ['tabmux-visible', 'tabmux-hidden', 'eventsource', 'long-poll', 'poll'];

export async function runBatteryBench(plan: BatteryPlan, log: (line: string) => void): Promise<BatteryResults> {
  const results: BatteryResults = { plan, rows: [], errors: [] };
  const pages = await startStaticServer();
  const browser = await launchChromium();
  try {
    for (const mode of BATTERY_MODES) {
      const start = Date.now();
      const row = mode === 'tabmux-hidden' ? await hiddenRow(pages.url, plan) : await measureBattery(await plainTabs(browser), pages.url, mode, plan);
      if (row.error) results.errors.push(`battery ${mode}: ${row.error}`);
      results.rows.push(row);
      log(`  battery ${mode}: ${Date.now() - start} ms${row.error ? ` FAILED ${row.error}` : ''}`);
    }
  } finally {
    await browser.close();
    await pages.close();
  }
  return results;
}

/** Tabs of a fresh context of the shared Playwright Chromium (focus emulation: always visible). */
async function plainTabs(browser: Browser): Promise<TabOpener> {
  const context = await browser.newContext();
  return {
    context,
    open: (count) => Promise.all(Array.from({ length: count }, () => context.newPage())),
    dispose: () => context.close(),
  };
}

/**
 * The hidden row in a Chromium of its own, launched without Playwright's focus emulation, with
 * one window per tab so that minimising really hides it (test/helpers/cdp-chromium.ts).
 */
async function hiddenRow(pagesUrl: string, plan: BatteryPlan): Promise<BatteryResult> {
  const chromium = await launchCdpChromium();
  try {
    const tabs: TabOpener = {
      context: chromium.context,
      open: (count) => openWindows(chromium, count),
      dispose: async (opened) => {
        for (const page of opened) await page.close().catch(() => undefined);
      },
    };
    return await measureBattery(tabs, pagesUrl, 'tabmux-hidden', plan);
  } finally {
    await chromium.close();
  }
}
