/**
 * The hub running inside a page: for the `direct` host (this tab's own upstream) and for the
 * `leader` host (the elected tab's hub, which serves the other tabs too). Both run the very Hub of
 * the SharedWorker — one hub logic for every host — over MessagePorts.
 *
 * This is the light half, in the client module. The hub, its transports and the SSE parser are
 * most of the client's weight, and a page whose hub lives in a worker never needs them, so they are
 * a module of the hub's own (worker/runtimes/in-page.ts → dist/tabmux-in-page-hub.js), loaded here
 * on first use by its built name, as a SharedWorker's script is reached by its URL: the page knows
 * it only by the contract src/hub-protocol/in-page-hub.ts (README, Size). That file must be served
 * next to the client module: the relative `import()` below resolves against the client module's
 * own URL (rollup.config.js and web-test-runner.config.js map the name to its source).
 */
import type { InPageHub, InPageHubModule, InPageHubOptions } from '../hub-protocol/in-page-hub.js';
import { lazyModule } from './lazy-module.js';

const loadHub = lazyModule<InPageHubModule>('tabmux-in-page-hub.js', () => import('./tabmux-in-page-hub.js'));

export async function startInPageHub(options: InPageHubOptions): Promise<InPageHub> {
  return (await loadHub()).startInPageHub(options);
}
