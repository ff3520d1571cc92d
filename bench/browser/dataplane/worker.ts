/**
 * The data-plane SharedWorker: stands in for the hub's fan-out step, so the only difference
 * between the two modes is how an event crosses from worker to tab.
 */
import { expose } from 'comlink';
import type { DataPlaneEvent, DataPlaneRun, DataPlaneWorkerApi } from './protocol.js';

const now = (): number => performance.timeOrigin + performance.now();
const DATA = 'x'.repeat(100);

const api: DataPlaneWorkerApi = {
  async start(run: DataPlaneRun, port: MessagePort, deliver: (event: DataPlaneEvent) => void) {
    let n = 0;
    const emitChunk = (): void => {
      const t = now();
      const size = Math.min(run.chunk, run.events - n);
      if (run.mode === 'port-batches') {
        const batch: DataPlaneEvent[] = [];
        for (let i = 0; i < size; i++) batch.push({ t, n: n++, data: DATA });
        port.postMessage(batch);
      } else {
        // A Comlink call per event, not awaited: what a hub that proxies callbacks would do.
        for (let i = 0; i < size; i++) void deliver({ t, n: n++, data: DATA });
      }
    };
    if (run.everyMs === 0) {
      while (n < run.events) emitChunk();
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        emitChunk();
        if (n >= run.events) {
          clearInterval(timer);
          resolve();
        }
      }, run.everyMs);
    });
  },
};

(self as unknown as { onconnect: (event: MessageEvent) => void }).onconnect = (event) => expose(api, event.ports[0]!);
