/**
 * The heavy half of the in-page hub (in-page-hub.ts is the light half every page loads): the very
 * Hub of the SharedWorker (worker/hub.ts), its transports and the SSE parser, started over
 * MessagePorts in this page. Built on its own, self-contained, to dist/tabmux-in-page-hub.js
 * (rollup.config.js), and imported only when a page actually runs a hub (`direct`, `leader`).
 */
import type { Endpoint } from 'comlink';
import { Hub } from '../../worker/hub.js';
import { serveTab, type PortHost } from '../../worker/ports.js';
import { browserPlatform } from '../../worker/platform.js';
import { realTransports } from '../../worker/transports/index.js';
import type { InPageHub, InPageHubOptions } from './in-page-hub.js';

export function startInPageHub(options: InPageHubOptions): InPageHub {
  const platform = browserPlatform(globalThis);
  let hub: Hub | undefined;
  const host: PortHost = {
    kind: options.kind,
    hub: (config) => (hub ??= new Hub({ host: options.kind, config, platform, openUpstream: realTransports(platform) })),
    ...(options.watchTabs && platform.locks && { locks: platform.locks }),
    ...(options.hubLock && { hubLock: options.hubLock }),
  };
  return { host, serve: (port: Endpoint) => serveTab(host, port), close: () => hub?.close() };
}
