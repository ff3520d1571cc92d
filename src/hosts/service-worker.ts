/**
 * The hub in a Service Worker (issue 5): where SharedWorker is missing (Chrome for Android before
 * 148, WebViews), a Service Worker is the one context every tab of an origin can reach. The same
 * hub script (dist/worker.js) runs there (worker/service-worker-host.ts); each tab transfers a
 * MessagePort to it and talks Comlink over it, as with a SharedWorker. The registration, version
 * handshake, keep-awake pings and hub-death signal are in service-worker/.
 */
import type { TabLifecycle } from '../protocol/lifecycle.js';
import { openServiceWorkerLink } from './service-worker/link.js';
import type { Host, HostOpenOptions } from './types.js';

export interface ServiceWorkerOpenOptions extends HostOpenOptions {
  /** The tab's lifecycle report, so the worker is kept awake exactly as long as the hub would keep its upstream. */
  readonly lifecycle?: () => TabLifecycle;
}

export const serviceWorkerHost: Host = {
  kind: 'service-worker',
  // Service Workers exist only in secure contexts (https, or http on localhost / 127.0.0.1).
  canBeUsed: () => typeof navigator !== 'undefined' && 'serviceWorker' in navigator && globalThis.isSecureContext === true && typeof MessageChannel === 'function',
  open(options: ServiceWorkerOpenOptions) {
    const { port1, port2 } = new MessageChannel();
    // Comlink's messages posted to port1 meanwhile wait in port2's queue and travel with it.
    const link = openServiceWorkerLink(options, port2);
    return {
      kind: 'service-worker',
      endpoint: port1,
      failed: link.failed,
      close() {
        link.close();
        port1.close();
      },
    };
  },
};
