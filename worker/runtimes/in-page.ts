/**
 * The hub running inside a page, for the `direct` host (this tab's own upstream) and the `leader`
 * host (the elected tab's hub, which serves the other tabs too): the very Hub of the SharedWorker,
 * its transports and the SSE parser, over MessagePorts in this page (WebSocket and long-poll loaded
 * on demand: worker/transports/on-demand.ts). Built on its own,
 * self-contained, to dist/tabmux-in-page-hub.js (rollup.config.js LAZY_MODULES), which the page
 * imports only when it actually runs a hub (src/hosts/in-page-hub.ts).
 *
 * `direct` adds a module of its own (worker/runtimes/direct.ts: see startInPageHub).
 */
import type { InPageHub, InPageHubModule, InPageHubOptions } from '../../src/hub-protocol/in-page-hub.js';
import { Hub } from '../hub.js';
import { serveTab, type HubRuntime } from '../tab-server.js';
import { browserPlatform, type Platform } from '../platform.js';
import type { PeersHost } from '../one-tab-peers.js';
import type { DirectHooks } from './direct.js';
import { deferredUpstream } from '../transports/deferred.js';
import type * as OnDemand from '../transports/on-demand.js';
import type { TransportOpener, UpstreamFactory } from '../transports/types.js';
import { openSse } from '../transports/sse.js';

let onDemand: Promise<typeof OnDemand> | undefined;

/** WebSocket and long-poll, loaded on first use; a failed load is not kept (the next attempt retries it). */
function loadOpener(kind: 'ws' | 'poll'): Promise<TransportOpener> {
  onDemand ??= import('../transports/on-demand.js').catch((error: unknown) => {
    onDemand = undefined;
    throw error;
  });
  return onDemand.then((module) => (kind === 'ws' ? module.openWs : module.openPoll));
}

/** SSE at once; WebSocket and long-poll from tabmux-transports.js (worker/transports/on-demand.ts). */
function inPageTransports(platform: Platform): UpstreamFactory {
  return (kind, request, handlers) =>
    kind === 'sse' ? openSse(platform, request, handlers) : deferredUpstream(kind, () => loadOpener(kind), platform, request, handlers);
}

/**
 * `leader`: this module alone. `direct`: with dist/tabmux-direct-hub.js (worker/runtimes/direct.ts),
 * what only `direct` needs (one-tab delivery agreed between tabs, the in-task endpoint), so that
 * the leader path does not carry it (README, Size). Not served: the hub runs without it, and each
 * tab hands every one-tab message to its own handlers.
 */
export const startInPageHub: InPageHubModule['startInPageHub'] = (options) =>
  options.kind === 'direct'
    ? import('./tabmux-direct-hub.js').then(
        ({ directHooks }) => inPageHub(options, directHooks()),
        () => inPageHub(options),
      )
    : inPageHub(options);

function inPageHub(options: InPageHubOptions, direct?: DirectHooks): InPageHub {
  const platform = browserPlatform(globalThis);
  let hub: Hub | undefined;
  const runtime: HubRuntime = {
    kind: options.kind,
    hub: (config) =>
      (hub ??= new Hub({
        host: options.kind,
        config,
        platform,
        openUpstream: inPageTransports(platform),
        ...(direct?.peers && { oneTabPeers: (host: PeersHost) => direct.peers!(host, config) }),
      })),
    ...(options.watchTabs && platform.locks && { locks: platform.locks }),
  };
  return {
    serve: (port, hubLock) => {
      const close = () => port.close();
      if (!direct) {
        serveTab(hubLock ? { ...runtime, hubLock } : runtime, port);
        return { close };
      }
      const endpoint = direct.endpoint(port);
      serveTab(runtime, endpoint);
      return { send: endpoint.take, close };
    },
    close: () => hub?.close(),
  };
}
