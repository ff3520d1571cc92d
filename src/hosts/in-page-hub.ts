/**
 * The hub running inside a page: for the `direct` host (this tab's own upstream) and for the
 * `leader` host (the elected tab's hub, which serves the other tabs too). Both run the very Hub of
 * the SharedWorker (worker/hub.ts) — one hub logic for every host — over MessagePorts.
 *
 * Asynchronous on purpose: the hub, its transports and the SSE parser are most of the client's
 * weight, and a page on a browser with SharedWorker never needs them here, so this module is the
 * seam where they can be loaded on demand (issue 10's size budget).
 */
import { Hub } from '../../worker/hub.js';
import type { PortHost } from '../../worker/ports.js';
import { realClock, type Platform, type WebSocketLike } from '../../worker/platform.js';
import { realTransports } from '../../worker/transports/index.js';

export interface InPageHubOptions {
  readonly kind: 'direct' | 'leader';
  /** Watch the attached tabs' liveness locks (leader: other tabs attach and may die). */
  readonly watchTabs: boolean;
  /** A lock held for as long as this hub lives: attached tabs learn of its end by being granted it. */
  readonly hubLock?: Promise<string>;
}

export interface InPageHub {
  readonly host: PortHost;
  /** Closes the hub (its upstream with it), e.g. when a leader steps down. */
  close(): void;
}

function pagePlatform(): Platform {
  return {
    fetch: (input, init) => fetch(input, init),
    webSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    clock: realClock,
    random: Math.random,
    ...(typeof navigator !== 'undefined' && navigator.locks && { locks: navigator.locks }),
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
}

export async function startInPageHub(options: InPageHubOptions): Promise<InPageHub> {
  const platform = pagePlatform();
  let hub: Hub | undefined;
  const host: PortHost = {
    kind: options.kind,
    hub: (config) => (hub ??= new Hub({ host: options.kind, config, platform, openUpstream: realTransports(platform) })),
    ...(options.watchTabs && platform.locks && { locks: platform.locks }),
    ...(options.hubLock && { hubLock: options.hubLock }),
  };
  return { host, close: () => hub?.close() };
}
