/**
 * The hub running inside a page: for the `direct` host (this tab's own upstream) and for the
 * `leader` host (the elected tab's hub, which serves the other tabs too). Both run the very Hub of
 * the SharedWorker (worker/hub.ts) — one hub logic for every host — over MessagePorts.
 *
 * This is the light half, in the client module: the hub, its transports and the SSE parser are
 * most of the client's weight, and a page whose hub lives in a SharedWorker never needs them, so
 * they are a separate module (in-page-hub-chunk.ts → dist/tabmux-in-page-hub.js) loaded here on
 * first use (issue 10's 6 KiB budget). That file must be served next to the client module: the
 * relative `import()` below resolves against the client module's own URL.
 */
import type { Endpoint } from 'comlink';
import type { PortHost } from '../../worker/ports.js';
import { lazyModule } from './lazy-module.js';

export interface InPageHubOptions {
  readonly kind: 'direct' | 'leader';
  /** Watch the attached tabs' liveness locks (leader: other tabs attach and may die). */
  readonly watchTabs: boolean;
  /** A lock held for as long as this hub lives: attached tabs learn of its end by being granted it. */
  readonly hubLock?: Promise<string>;
}

export interface InPageHub {
  readonly host: PortHost;
  /** Serves one tab's control plane (Comlink) on `port`, as a SharedWorker does on connect. */
  serve(port: Endpoint): void;
  /** Closes the hub (its upstream with it), e.g. when a leader steps down. */
  close(): void;
}

const loadChunk = lazyModule('tabmux-in-page-hub.js', () => import('./in-page-hub-chunk.js'));

export async function startInPageHub(options: InPageHubOptions): Promise<InPageHub> {
  return (await loadChunk()).startInPageHub(options);
}
