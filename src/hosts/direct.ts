/**
 * The hub in this very page: the tab holds its own upstream. The fallback of last resort, and the
 * host for pages that want no worker. It runs the same Hub as the SharedWorker (in-page-hub.ts),
 * over an in-page MessageChannel, so both hosts behave alike; `connect()` calls with the same name
 * in one page share one in-page hub.
 */
import { serveTab, type PortHost } from '../../worker/ports.js';
import { startInPageHub } from './in-page-hub.js';
import type { Host } from './types.js';

const hubs = new Map<string, Promise<PortHost>>();

function pageHost(name: string): Promise<PortHost> {
  let host = hubs.get(name);
  // No locks: tabs and hub die together, so there is no liveness to watch.
  if (!host) hubs.set(name, (host = startInPageHub({ kind: 'direct', watchTabs: false }).then((started) => started.host)));
  return host;
}

export const directHost: Host = {
  kind: 'direct',
  canBeUsed: () => typeof MessageChannel === 'function',
  open({ name }) {
    const { port1, port2 } = new MessageChannel();
    // Messages posted to port1 meanwhile wait in port2's queue until Comlink starts it.
    const failed = pageHost(name).then((host) => {
      serveTab(host, port2);
      return new Promise<never>(() => undefined);
    });
    failed.catch(() => undefined);
    return { kind: 'direct', endpoint: port1, failed, close: () => port1.close() };
  },
};
