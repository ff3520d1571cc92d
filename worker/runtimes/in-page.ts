/**
 * The hub running inside a page, for the `direct` host (this tab's own upstream) and the `leader`
 * host (the elected tab's hub, which serves the other tabs too): the very Hub of the SharedWorker,
 * its transports and the SSE parser, over MessagePorts in this page. Built on its own,
 * self-contained, to dist/tabmux-in-page-hub.js (rollup.config.js LAZY_MODULES), which the page
 * imports only when it actually runs a hub (src/hosts/in-page-hub.ts).
 *
 * `direct`: every tab runs its own hub, so one-tab delivery is agreed between the tabs of the
 * hub's name (worker/one-tab-peers.ts), by a module imported on the page's first one-tab
 * subscription (dist/tabmux-one-tab-peers.js); and the page's own calls reach its hub in the
 * page's own task (`send`), so a one-tab acknowledgement leaves with the handler that made it.
 */
import type { Endpoint } from 'comlink';
import type { InPageHub, InPageHubModule, InPageHubOptions } from '../../src/hub-protocol/in-page-hub.js';
import type { HubConfig } from '../../src/hub-protocol/hub-api.js';
import type { WireMessage } from '../../src/protocol/wire.js';
import { Hub } from '../hub.js';
import { serveTab, type HubRuntime } from '../tab-server.js';
import { browserPlatform } from '../platform.js';
import { realTransports } from '../transports/index.js';
import type { OneTabPeersApi, PeersHost } from '../one-tab-peers.js';

export const startInPageHub: InPageHubModule['startInPageHub'] = (options: InPageHubOptions): InPageHub => {
  const platform = browserPlatform(globalThis);
  let hub: Hub | undefined;
  const direct = options.kind === 'direct';
  const runtime: HubRuntime = {
    kind: options.kind,
    hub: (config) =>
      (hub ??= new Hub({
        host: options.kind,
        config,
        platform,
        openUpstream: realTransports(platform),
        ...(direct && typeof BroadcastChannel === 'function' && { oneTabPeers: (host: PeersHost) => lazyPeers(host, config) }),
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
      const endpoint = inTaskEndpoint(port);
      serveTab(runtime, endpoint);
      return { send: endpoint.take, close };
    },
    close: () => hub?.close(),
  };
};

/**
 * The one-tab side of a `direct` hub, loaded on its first one-tab subscription: what the hub says
 * meanwhile is kept and said again, in order, once it is there. Not loaded (the file is not
 * served): each tab hands every one-tab message to its own handlers, as before one-tab delivery
 * across tabs existed.
 */
function lazyPeers(host: PeersHost, config: HubConfig): OneTabPeersApi {
  let peers: OneTabPeersApi | undefined;
  let queued: Array<(peers: OneTabPeersApi) => void> | undefined;
  let visible: boolean | undefined;
  let paused = false;
  const solo: OneTabPeersApi = { join() {}, leave() {}, message: (message) => void host.hand(message, undefined), handled() {}, visible() {}, paused() {}, mark: () => undefined, snapshot: () => undefined, close() {} };
  const later =
    <A extends unknown[]>(call: (peers: OneTabPeersApi, ...args: A) => void) =>
    (...args: A): void => {
      if (peers) call(peers, ...args);
      else queued?.push((ready) => call(ready, ...args));
    };
  const ready = (loaded: OneTabPeersApi) => {
    if (visible !== undefined) loaded.visible(visible);
    loaded.paused(paused);
    for (const call of queued!) call(loaded);
    queued = undefined;
    peers = loaded;
  };
  return {
    join: (channel) => {
      if (!peers && !queued) {
        queued = [];
        import('./tabmux-one-tab-peers.js').then(
          ({ startOneTabPeers }) => ready(startOneTabPeers(host, config)),
          () => ready(solo),
        );
      }
      later((ready, joined: string) => ready.join(joined))(channel);
    },
    leave: later((ready, channel: string) => ready.leave(channel)),
    message: later((ready, message: WireMessage) => ready.message(message)),
    handled: later((ready, channel: string, id: string) => ready.handled(channel, id)),
    visible: (value) => (peers ? peers.visible(value) : (visible = value)),
    paused: (value) => (peers ? peers.paused(value) : (paused = value)),
    mark: (channel) => peers?.mark(channel),
    snapshot: (channel) => peers?.snapshot(channel),
    close: () => peers?.close(),
  };
}

/**
 * The hub's end of a tab's control port that also takes the tab's posts at once (`take`: the
 * link's `send`, src/hosts/deferred-link.ts), in the tab's own task. The page is this very page,
 * so the data needs no transfer: a structured clone keeps the tab's objects its own (where there is
 * none, Safari before 15.4, the hub reads them at once: a published value is serialised in the call).
 */
function inTaskEndpoint(port: MessagePort): Endpoint & { take(data: unknown): void } {
  const listeners = new Set<EventListenerOrEventListenerObject>();
  return {
    postMessage: (message: unknown, transfer?: Transferable[]) => port.postMessage(message, transfer ?? []),
    addEventListener: (type: string, listener: EventListenerOrEventListenerObject) => {
      listeners.add(listener);
      port.addEventListener(type, listener);
    },
    removeEventListener: (type: string, listener: EventListenerOrEventListenerObject) => {
      listeners.delete(listener);
      port.removeEventListener(type, listener);
    },
    start: () => port.start(),
    take: (data: unknown) => {
      const event = new MessageEvent('message', { data: typeof structuredClone === 'function' ? structuredClone(data) : data });
      for (const listener of listeners) (typeof listener === 'function' ? listener : listener.handleEvent.bind(listener))(event);
    },
  };
}
