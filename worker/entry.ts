/**
 * The hub script (dist/worker.js, served as /tabmux-worker.js). One file for every runtime: it
 * looks at its global scope and starts the matching one (runtimes/): a SharedWorker, or a Service
 * Worker (tabmux's own registration, or `importScripts`-ed into an app's worker); the hub itself
 * (hub.ts) is the same in every runtime.
 *
 * As a SharedWorker, the instance's name says what it serves: `connect()` hubs are named
 * `tabmux:<transport>:<url>`, and the SharedEventSource service runs in its own instance named
 * `EVENT_SOURCE_WORKER_NAME` (one per origin for every URL).
 */
import { EVENT_SOURCE_WORKER_NAME } from '../src/hub-protocol/event-source.js';
import { startEventSourceWorker } from './event-source/event-source-worker.js';
import { startSharedWorkerHub } from './runtimes/shared-worker.js';
import { startServiceWorkerHub, type ServiceWorkerScope } from './runtimes/service-worker.js';

declare const SharedWorkerGlobalScope: { new (): unknown } | undefined;
declare const ServiceWorkerGlobalScope: { new (): unknown } | undefined;

if (typeof SharedWorkerGlobalScope === 'function' && self instanceof SharedWorkerGlobalScope) {
  const scope = self as unknown as Parameters<typeof startSharedWorkerHub>[0];
  if (scope.name === EVENT_SOURCE_WORKER_NAME) startEventSourceWorker(scope);
  else startSharedWorkerHub(scope);
}
if (typeof ServiceWorkerGlobalScope === 'function' && self instanceof ServiceWorkerGlobalScope) {
  startServiceWorkerHub(self as unknown as ServiceWorkerScope);
}
