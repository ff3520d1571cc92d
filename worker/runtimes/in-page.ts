/**
 * The hub running inside a page, for the `direct` host (this tab's own upstream) and the `leader`
 * host (the elected tab's hub, which serves the other tabs too): the very Hub of the SharedWorker,
 * its transports and the SSE parser, over MessagePorts in this page. Built on its own,
 * self-contained, to dist/tabmux-in-page-hub.js (rollup.config.js LAZY_MODULES), which the page
 * imports only when it actually runs a hub (src/hosts/in-page-hub.ts).
 */
import type { InPageHub, InPageHubModule, InPageHubOptions } from '../../src/hub-protocol/in-page-hub.js';
import { Hub } from '../hub.js';
import { serveTab, type HubRuntime } from '../tab-server.js';
import { browserPlatform } from '../platform.js';
import { realTransports } from '../transports/index.js';

export const startInPageHub: InPageHubModule['startInPageHub'] = (options: InPageHubOptions): InPageHub => {
  const platform = browserPlatform(globalThis);
  let hub: Hub | undefined;
  const runtime: HubRuntime = {
    kind: options.kind,
    hub: (config) => (hub ??= new Hub({ host: options.kind, config, platform, openUpstream: realTransports(platform) })),
    ...(options.watchTabs && platform.locks && { locks: platform.locks }),
  };
  return {
    serve: (port, hubLock) => serveTab(hubLock ? { ...runtime, hubLock } : runtime, port),
    close: () => hub?.close(),
  };
};
