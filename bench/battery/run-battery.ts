/** The battery section: the five rows of the table, one after another, in one Chromium. */
import { launchChromium } from '../../test/helpers/chromium.js';
import { startStaticServer } from '../browser/static-server.js';
import type { BatteryMode, BatteryResult } from './measure-battery.js';
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
      const row = await measureBattery(browser, pages.url, mode, plan);
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
