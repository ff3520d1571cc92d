/**
 * The hub in a Service Worker (README, Hosts): where SharedWorker is missing (Chrome for Android before
 * 148, WebViews), a Service Worker is the one context every tab of an origin can reach. The same
 * hub script (dist/worker.js) runs there (worker/runtimes/service-worker.ts); each tab transfers a
 * MessagePort to it and talks Comlink over it, as with a SharedWorker. The registration, version
 * handshake, keep-awake pings and hub-death signal are in service-worker/, behind one async seam
 * (`loadLink`), so that they can be loaded on demand like the in-page hub (the client's 6 KiB budget, README Size).
 */
import type { Endpoint } from 'comlink';
import { lazyModule } from './lazy-module.js';
import type { ServiceWorkerLink } from './service-worker/link.js';
import type { Host } from './types.js';

/** Registration, version probe and keep-awake (service-worker/) load when a page uses this host. */
const loadLink = lazyModule('tabmux-service-worker.js', () => import('./service-worker/link.js'));

const hasServiceWorker = () => typeof navigator !== 'undefined' && 'serviceWorker' in navigator;

export const serviceWorkerHost: Host = {
  kind: 'service-worker',
  // Service Workers exist only in secure contexts (https, or http on localhost / 127.0.0.1); an
  // engine with them has MessageChannel, which their API is made of.
  canBeUsed: () => hasServiceWorker() && globalThis.isSecureContext === true,
  whyNot: () =>
    hasServiceWorker()
      ? 'not a secure context (Service Workers need https or localhost)'
      : 'navigator.serviceWorker is not defined in this browser (or not in this context: private mode, insecure origin)',
  open(options) {
    const { port1, port2 } = new MessageChannel();
    // Comlink's messages posted to port1 meanwhile wait in port2's queue and travel with it.
    let opened: ServiceWorkerLink | undefined;
    const link = loadLink().then(({ openServiceWorkerLink }) => (opened = openServiceWorkerLink(options, port2)));
    const failed = link.then((opened) => opened.failed);
    failed.catch(() => undefined);
    // The tab's Comlink traffic passes the link, so a call to a hub stopped while the page was
    // hidden starts a fresh one instead of waiting for the page to be shown (link.ts).
    const endpoint: Endpoint = {
      postMessage: (message: unknown, transfer?: Transferable[]) => {
        void link.then((opened) => opened.sending(message)).catch(() => undefined);
        port1.postMessage(message, transfer ?? []);
      },
      addEventListener: (type, listener, options) => port1.addEventListener(type, listener, options),
      removeEventListener: (type, listener, options) => port1.removeEventListener(type, listener, options),
      start: () => port1.start(),
    };
    return {
      kind: 'service-worker',
      endpoint,
      failed,
      hubEnded: () => !!opened?.hubEnded(),
      close() {
        void link.then((opened) => opened.close()).catch(() => undefined);
        port1.close();
      },
    };
  },
};
