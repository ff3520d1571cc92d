/**
 * The data-plane page: `window.runDataPlane(run)` resolves with events/s and per-event latency
 * for one mode, all events received (bounded by a timeout).
 */
import { proxy, transfer, wrap } from 'comlink';
import type { DataPlaneEvent, DataPlaneResult, DataPlaneRun, DataPlaneWorkerApi } from './protocol.js';

const worker = new SharedWorker('/bench/dataplane-worker.js', { name: 'tabmux-bench-dataplane' });
const api = wrap<DataPlaneWorkerApi>(worker.port);
const now = (): number => performance.timeOrigin + performance.now();

async function runDataPlane(run: DataPlaneRun): Promise<DataPlaneResult> {
  const latency: number[] = [];
  let received = 0;
  let lastAt = 0;
  const { port1, port2 } = new MessageChannel();
  const start = now();
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`data plane ${run.mode}: ${received} of ${run.events} events in 30 s`)), 30_000);
    const take = (event: DataPlaneEvent): void => {
      lastAt = now();
      latency.push(lastAt - event.t);
      if (++received === run.events) {
        clearTimeout(timer);
        resolve();
      }
    };
    port1.onmessage = (message: MessageEvent<DataPlaneEvent[]>) => {
      for (const event of message.data) take(event);
    };
    void api.start(run, transfer(port2, [port2]), proxy(take));
  });
  await done;
  port1.close();
  return { eventsPerSec: run.events / ((lastAt - start) / 1000), latency };
}

(window as unknown as { runDataPlane: typeof runDataPlane }).runDataPlane = runDataPlane;
(window as unknown as { dataPlaneReady: boolean }).dataPlaneReady = true;
