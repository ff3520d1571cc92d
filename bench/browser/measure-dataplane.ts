/**
 * The data-plane choice, measured in one tab: the same events from a SharedWorker as batches on a
 * plain MessagePort, or as a Comlink proxy call per event (a round trip each: the call and its
 * reply). Throughput from one burst; latency at a steady pace.
 */
import type { Browser } from 'playwright-core';
import { summarize } from '../lib/stats.js';
import type { Summary } from '../lib/stats.js';
import { waitFor, withTimeout } from '../../test/helpers/wait.js';
import type { DataPlaneMode, DataPlaneResult, DataPlaneRun } from './dataplane/protocol.js';
import type { BrowserPlan } from './plan.js';

export interface DataPlaneFigures {
  readonly mode: DataPlaneMode;
  readonly eventsPerSec: number;
  readonly latency: Summary;
}

/** Events per upstream chunk, as an SSE read often carries several events. */
const CHUNK = 10;
/** A chunk every 5 ms: 2,000 events/s, well under either mode's limit, so latency is not queueing. */
const PACE_MS = 5;

export async function measureDataPlane(browser: Browser, pagesUrl: string, plan: BrowserPlan): Promise<DataPlaneFigures[]> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${pagesUrl}/bench/dataplane.html`);
    await waitFor('the data-plane page', () => page.evaluate(() => (window as unknown as { dataPlaneReady?: boolean }).dataPlaneReady === true), plan.timeoutMs);
    const run = (r: DataPlaneRun): Promise<DataPlaneResult> =>
      withTimeout(page.evaluate((arg) => (window as unknown as { runDataPlane(r: DataPlaneRun): Promise<DataPlaneResult> }).runDataPlane(arg), r), plan.timeoutMs, `data plane ${r.mode}`);
    const figures: DataPlaneFigures[] = [];
    for (const mode of ['port-batches', 'comlink-per-event'] as const) {
      await run({ mode, events: 500, chunk: CHUNK, everyMs: 0 }); // warm-up
      const burst = await run({ mode, events: plan.dataPlaneEvents, chunk: CHUNK, everyMs: 0 });
      const paced = await run({ mode, events: Math.min(plan.dataPlaneEvents, 4000), chunk: CHUNK, everyMs: PACE_MS });
      figures.push({ mode, eventsPerSec: burst.eventsPerSec, latency: summarize(paced.latency) });
    }
    return figures;
  } finally {
    await context.close();
  }
}
