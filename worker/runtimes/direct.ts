/**
 * What only the `direct` host adds to the in-page hub (worker/runtimes/in-page.ts), built on its
 * own to dist/tabmux-direct-hub.js (rollup.config.js LAZY_MODULES), which that hub imports when it
 * starts as `direct` — so a page on the leader path does not load it (README, Size):
 *
 * - every tab runs its own hub, so one-tab delivery is agreed between the tabs of the hub's name
 *   (worker/one-tab-peers.ts), by a module imported on the page's first one-tab subscription
 *   (dist/tabmux-one-tab-peers.js);
 * - the page's own calls reach its hub in the page's own task (`send`), so a one-tab
 *   acknowledgement leaves with the handler that made it.
 */
import type { Endpoint } from 'comlink';
import type { HubConfig } from '../../src/hub-protocol/hub-api.js';
import type { WireMessage } from '../../src/protocol/wire.js';
import type { OneTabPeersApi, PeersHost } from '../one-tab-peers.js';

/** What the in-page hub takes from this module when it runs as `direct`. */
export interface DirectHooks {
  /** One-tab delivery across the tabs; none without BroadcastChannel (Safari before 15.4). */
  readonly peers?: (host: PeersHost, config: HubConfig) => OneTabPeersApi;
  /** The hub's end of the tab's control port, which also takes the tab's posts in its own task. */
  endpoint(port: MessagePort): InTaskEndpoint;
}

/** What dist/tabmux-direct-hub.js exports (its declaration for the importer: worker/lazy-modules.d.ts). */
export interface DirectHubModule {
  directHooks(): DirectHooks;
}

export type InTaskEndpoint = Endpoint & { take(data: unknown): void };

export const directHooks: DirectHubModule['directHooks'] = () => ({
  ...(typeof BroadcastChannel === 'function' && { peers: lazyPeers }),
  endpoint: inTaskEndpoint,
});

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
function inTaskEndpoint(port: MessagePort): InTaskEndpoint {
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
