/**
 * The hub in this very page: the tab holds its own upstream. The fallback of last resort, and the
 * host for pages that want no worker. It runs the same Hub as the SharedWorker (in-page-hub.ts,
 * loaded on demand), over an in-page MessageChannel, so both hosts behave alike; `connect()` calls
 * with the same name in one page share one in-page hub.
 */
import { deferredLink } from './deferred-link.js';
import type { InPageHub } from '../hub-protocol/in-page-hub.js';
import { startInPageHub } from './in-page-hub.js';
import type { Host } from './types.js';

const hubs = new Map<string, Promise<InPageHub>>();

function pageHub(name: string): Promise<InPageHub> {
  let hub = hubs.get(name);
  if (!hub) {
    // No locks: tabs and hub die together, so there is no liveness to watch.
    hub = startInPageHub({ kind: 'direct', watchTabs: false });
    hub.catch(() => hubs.delete(name)); // not loaded: the next connect() tries again
    hubs.set(name, hub);
  }
  return hub;
}

export const directHost: Host = {
  kind: 'direct',
  canBeUsed: () => typeof MessageChannel === 'function',
  // The hub takes what the tab posts in the tab's own task (InPageHub.serve).
  open: ({ name }) => deferredLink('direct', async (port) => (await pageHub(name)).serve(port)),
};
