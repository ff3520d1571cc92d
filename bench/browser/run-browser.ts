/**
 * The browser section: tabs × modes, the hub's added hop, the data-plane choice. One Chromium,
 * one tabmux server process (pinned to the server core), one page server.
 */
import { launchChromium } from '../../test/helpers/chromium.js';
import { startServerProcess } from '../server/server-handle.js';
import type { DataPlaneFigures } from './measure-dataplane.js';
import { measureDataPlane } from './measure-dataplane.js';
import { measureHop } from './measure-hop.js';
import type { Summary } from '../lib/stats.js';
import type { TabMode, TabsResult } from './measure-tabs.js';
import { measureTabs } from './measure-tabs.js';
import type { BrowserPlan } from './plan.js';
import { startStaticServer } from './static-server.js';

export interface BrowserResults {
  readonly plan: BrowserPlan;
  readonly tabs: TabsResult[];
  /** The hub's added hop (ms), measured on one page clock (measure-hop.ts). */
  readonly hop: Summary | undefined;
  /** The same hop through a bare SharedWorker relaying the stream: the platform's floor (ms). */
  readonly hopFloor?: Summary | undefined;
  readonly dataPlane: DataPlaneFigures[];
  readonly errors: string[];
  /** Runs that failed once and were retried (their figure comes from the retry). */
  readonly retried: string[];
}

const MODES: readonly TabMode[] = ['tabmux', 'eventsource', 'websocket'];

export async function runBrowserBench(plan: BrowserPlan, log: (line: string) => void): Promise<BrowserResults> {
  const results: BrowserResults = { plan, tabs: [], hop: undefined, dataPlane: [], errors: [], retried: [] };
  const server = await startServerProcess('tabmux');
  const pages = await startStaticServer();
  const browser = await launchChromium();
  try {
    for (const tabs of plan.tabCounts) {
      for (const mode of MODES) {
        const start = Date.now();
        let result = await measureTabs(browser, server, pages.url, mode, tabs, plan);
        if (result.error) {
          // One retry, and the failure stays on record: RESULTS.md lists it under "Runs that failed".
          results.retried.push(`${mode} × ${tabs} tabs: ${result.error}`);
          result = await measureTabs(browser, server, pages.url, mode, tabs, plan);
          if (result.error) results.errors.push(`${mode} × ${tabs} tabs, retry: ${result.error}`);
        }
        results.tabs.push(result);
        log(`  browser ${mode} × ${tabs}: ${Date.now() - start} ms${result.error ? ` FAILED ${result.error}` : ''}`);
      }
    }
    try {
      const { hub, floor } = await measureHop(browser, server, pages.url, plan);
      Object.assign(results, { hop: hub, hopFloor: floor });
    } catch (error) {
      results.errors.push(`hop: ${String(error)}`);
    }
    log('  browser: hop done');
    try {
      results.dataPlane.push(...(await measureDataPlane(browser, pages.url, plan)));
    } catch (error) {
      results.errors.push(`data plane: ${String(error)}`);
    }
    log('  browser: data plane done');
  } finally {
    await browser.close();
    await pages.close();
    await server.close();
  }
  return results;
}
