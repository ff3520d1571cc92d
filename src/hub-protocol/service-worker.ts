/**
 * The page <-> Service Worker messages of the `service-worker` host: what a tab's link posts to the
 * worker that runs the hub, what the worker answers, and what it announces to every tab. Both ends
 * import this file (src/hosts/service-worker/, worker/runtimes/service-worker.ts): no copy anywhere.
 * The hub itself is then reached over the port a `connect` message transfers (hub-api.ts).
 */
/**
 * What a tab's link posts to the worker. The `tabmux` key tells them apart from the app's own
 * messages when the hub lives inside the app's Service Worker (an app handler should ignore them).
 */
export type SwRequest =
  /** Reply on `ports[0]` (workbox-window `messageSW`): a `SwProbeAnswer`. */
  | { readonly tabmux: 'probe' }
  /** `ports[0]` is the tab's Comlink port; `hubLock` the lock the tab watches for this hub's end. */
  | { readonly tabmux: 'connect'; readonly name: string; readonly hubLock: string }
  /** A tab that wants the hub: stay awake. `hidden`: its timers may be throttled to once a minute. */
  | { readonly tabmux: 'keepalive'; readonly hidden?: boolean };

export interface SwProbeAnswer {
  readonly tabmux: 'probe';
  /** This worker's TABMUX_VERSION: a tab of a newer build asks the registration to update. */
  readonly version: string;
  /** Held for this worker's life: released when the browser stops or replaces it. */
  readonly lifeLock: string;
}

/**
 * Posted on the BroadcastChannel `HUB_STARTED_CHANNEL` when a worker starts the hub of a name: a
 * hidden tab whose worker was stopped waits for its page to be shown before starting a new one,
 * but re-attaches at once when another tab has started one (it then costs nothing).
 */
export interface SwHubStarted {
  readonly tabmux: 'hub-started';
  readonly name: string;
  /** The announcing worker's life lock: a tab ignores its own worker's announcement. */
  readonly lifeLock: string;
}
export const HUB_STARTED_CHANNEL = 'tabmux-sw-hub';

/** The folder tabmux registers its own worker under: no page lives there (no fetch to handle). */
export const TABMUX_SCOPE_DIR = '__tabmux__/';
