/**
 * The SharedEventSource service as a SharedWorker. It runs in its own instance of the hub script
 * (the worker name `EVENT_SOURCE_WORKER_NAME`, see worker/entry.ts): one per origin, holding one
 * upstream per (URL, credentials mode) for every tab.
 */
import type { TabToHub } from '../../src/hub-protocol/event-source.js';
import { realClock } from '../platform.js';
import { EventSourceRegistry, serveEventSourceTab } from './event-source-service.js';
import { holdLifeLock } from '../life-lock.js';

interface ConnectScope {
  onconnect: ((event: MessageEvent) => void) | null;
}

export function startEventSourceWorker(scope: ConnectScope): void {
  const registry = new EventSourceRegistry({
    fetch: (input, init) => fetch(input, init),
    setTimeout: (fn, ms) => realClock.setTimeout(fn, ms),
    clearTimeout: (handle) => realClock.clearTimeout(handle as ReturnType<typeof setTimeout>),
  });
  // The tab is gone when its life lock (src/event-source/hub-link.ts) is granted to us.
  const watchTab = (lockName: string, gone: () => void) => {
    void navigator.locks.request(lockName, () => gone()).catch(() => undefined);
  };
  // Held for the worker's life: tabs learn of its death by being granted it (src/event-source/hub-link.ts).
  const hubLock = holdLifeLock(`tabmux-es-hub:${crypto.randomUUID()}`).name;
  scope.onconnect = (event) => {
    const port = event.ports[0];
    if (!port) return;
    const tab = serveEventSourceTab(registry, port, watchTab, hubLock);
    port.onmessage = (message: MessageEvent<TabToHub>) => tab.handle(message.data);
    port.start();
  };
}
