/**
 * The hub as a SharedWorker: every tab's `new SharedWorker(url, name)` lands here as a
 * `connect` event with its own port (WHATWG HTML §10.2.6.4).
 */
import { realTransports } from './transports/index.js';
import { Hub } from './hub.js';
import { serveTab, type PortHost } from './ports.js';
import { realClock, type Platform, type WebSocketLike } from './platform.js';

interface SharedWorkerScope {
  readonly name: string;
  onconnect: ((event: MessageEvent) => void) | null;
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
}

export function startSharedWorkerHost(scope: SharedWorkerScope): void {
  const platform: Platform = {
    fetch: (input, init) => fetch(input, init),
    // The DOM typings type handlers with `this: WebSocket`; the transport only needs the shape.
    webSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    clock: realClock,
    random: Math.random,
    locks: navigator.locks,
    onOnline: (listener) => {
      scope.addEventListener('online', listener);
      return () => scope.removeEventListener('online', listener);
    },
    onOffline: (listener) => {
      scope.addEventListener('offline', listener);
      return () => scope.removeEventListener('offline', listener);
    },
    isOnline: () => navigator.onLine,
  };
  let hub: Hub | undefined;
  const host: PortHost = {
    kind: 'shared-worker',
    locks: navigator.locks,
    hub: (config) => (hub ??= new Hub({ host: 'shared-worker', config, platform, openUpstream: realTransports(platform) })),
    hubLock: holdLifeLock(`tabmux-hub:${scope.name}`),
  };
  scope.onconnect = (event) => {
    const port = event.ports[0];
    if (port) serveTab(host, port);
  };
}

/**
 * Holds a Web Lock until this worker dies, so tabs learn of its death by being granted it (they
 * then attach to a fresh worker and resume from their cursors). Resolves once held.
 */
function holdLifeLock(name: string): Promise<string> {
  return new Promise((resolve) => {
    void navigator.locks.request(name, () => {
      resolve(name);
      return new Promise(() => undefined); // never settles: released when the worker ends
    });
  });
}
