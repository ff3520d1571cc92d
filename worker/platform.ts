/**
 * Everything the hub takes from its host, injected so that the same hub runs in a SharedWorker,
 * a Service Worker, a leader tab or a page (`direct`), and under node:test with a fake clock.
 */
export type TimerId = ReturnType<typeof setTimeout>;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId): void;
}

/** The part of the Web Locks API the hub uses (`navigator.locks`). */
export interface LocksLike {
  request(name: string, callback: () => unknown): Promise<unknown>;
  request(name: string, options: { readonly mode?: 'exclusive' | 'shared'; readonly signal?: AbortSignal }, callback: () => unknown): Promise<unknown>;
  /** The locks of the origin, held and waited for (Web Locks §"query"): the one-tab router counts its tabs' by name. */
  query?(): Promise<{ readonly held?: readonly { readonly name?: string }[]; readonly pending?: readonly { readonly name?: string }[] }>;
}

/** The part of the WebSocket constructor the ws transport uses. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

/**
 * The right to hold an upstream, shared by every hub of one name and host kind (a Web Lock in
 * browsers: worker/hub-succession.ts), so two hubs — an old deploy's and a new one's — never hold
 * two upstreams at once. The hub asks before opening and gives it back when it holds none.
 */
export interface UpstreamGate {
  /** Asks for the right; `granted` runs once it is ours. The returned function gives it back, or drops the request. */
  acquire(granted: () => void): () => void;
}

export interface Platform {
  readonly fetch: typeof fetch;
  readonly webSocket: WebSocketFactory;
  readonly clock: Clock;
  readonly random: () => number;
  readonly locks?: LocksLike;
  /** Calls `listener` when the browser comes back online; returns a function that stops it. */
  readonly onOnline?: (listener: () => void) => () => void;
  /** Calls `listener` when the browser goes offline; returns a function that stops it. */
  readonly onOffline?: (listener: () => void) => () => void;
  /** `navigator.onLine` (false means surely offline; true may be wrong, hence the watchdog). */
  readonly isOnline?: () => boolean;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};

/** The global a host runs in (a window, a SharedWorker, a Service Worker): where `online`/`offline` fire. */
export interface OnlineEventTarget {
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
}

/**
 * The real platform of a browser context — the one every host hands its hub. Web Locks only
 * where they exist: they need a secure context, and a page or SharedWorker on plain http has none.
 */
export function browserPlatform(scope: OnlineEventTarget): Platform {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return {
    fetch: (input, init) => fetch(input, init),
    // The DOM typings type handlers with `this: WebSocket`; the transport only needs the shape.
    webSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    clock: realClock,
    random: Math.random,
    ...(locks && { locks }),
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
}
