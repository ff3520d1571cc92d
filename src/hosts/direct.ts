/**
 * The hub in this very page: the tab holds its own upstream. The fallback of last resort, and the
 * host for pages that want no worker. It runs the same Hub as the SharedWorker, over an in-page
 * MessageChannel, so both hosts behave alike; `connect()` calls with the same name in one page
 * share one in-page hub.
 */
import { Hub } from '../../worker/hub.js';
import { serveTab, type PortHost } from '../../worker/ports.js';
import { realClock, type Platform, type WebSocketLike } from '../../worker/platform.js';
import { realTransports } from '../../worker/transports/index.js';
import type { Host } from './types.js';

const hubs = new Map<string, PortHost>();

function pageHost(name: string): PortHost {
  let host = hubs.get(name);
  if (host) return host;
  const platform: Platform = {
    fetch: (input, init) => fetch(input, init),
    webSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    clock: realClock,
    random: Math.random,
    onOnline: (listener) => {
      addEventListener('online', listener);
      return () => removeEventListener('online', listener);
    },
    onOffline: (listener) => {
      addEventListener('offline', listener);
      return () => removeEventListener('offline', listener);
    },
    isOnline: () => navigator.onLine,
  };
  let hub: Hub | undefined;
  // No locks: tabs and hub die together, so there is no liveness to watch.
  host = { kind: 'direct', hub: (config) => (hub ??= new Hub({ host: 'direct', config, platform, openUpstream: realTransports(platform) })) };
  hubs.set(name, host);
  return host;
}

export const directHost: Host = {
  kind: 'direct',
  canBeUsed: () => typeof MessageChannel === 'function',
  open({ name }) {
    const { port1, port2 } = new MessageChannel();
    serveTab(pageHost(name), port2);
    return { kind: 'direct', endpoint: port1, failed: new Promise<never>(() => undefined), close: () => port1.close() };
  },
};
