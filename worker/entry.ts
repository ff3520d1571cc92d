/**
 * The hub script (dist/worker.js, served as /tabmux-worker.js). One file for every host: it looks
 * at its global scope and starts the matching host. A Service Worker host (issue 5) will branch
 * here on `ServiceWorkerGlobalScope`; the hub itself (hub.ts) is the same in every host.
 */
import { startSharedWorkerHost } from './shared-worker-host.js';

declare const SharedWorkerGlobalScope: { new (): unknown } | undefined;

if (typeof SharedWorkerGlobalScope === 'function' && self instanceof SharedWorkerGlobalScope) {
  startSharedWorkerHost(self as unknown as Parameters<typeof startSharedWorkerHost>[0]);
}
