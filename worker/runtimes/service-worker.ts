/**
 * The hub as a Service Worker (README, Hosts), for browsers without SharedWorker: the same hub.ts, one
 * per name, serving every tab over a MessagePort the tab transfers in a `connect` message.
 *
 * A Service Worker is stopped whenever the browser likes (Chromium: ~30 s after its last event;
 * Service Workers §"Terminate Service Worker"), and it has no EventSource: the hub's upstream is
 * `fetch` streaming or a WebSocket (transports/), and every tab mirrors its cursors, so a worker
 * started afresh resumes where the stopped one was. It is kept alive only by the tabs' `keepalive`
 * messages: each event restarts the browser's idle timer (Chromium and Firefox: 30 s after the
 * last event), and the tabs ping every 20 s; when every tab is hidden the pings stop and the
 * browser stops the worker, upstream and all.
 *
 * STAY_AWAKE — why no `waitUntil` on those messages: a `waitUntil` outlasting the ping period
 * keeps an event in flight at all times, and Chromium activates a deploy's waiting worker only
 * once the active one has none (a "lame duck", `skipWaiting` or not): measured, the new worker
 * stayed `installed` for 30 s and more. Telling the old worker that a successor installs, so it
 * could stop extending, proved unreliable (`updatefound` seen missing in the old worker). Only a
 * hidden tab's pings are extended (HIDDEN_STAY_AWAKE_MS).
 *
 * The worker holds a Web Lock for its life (`lifeLock`): tabs learn of its end by being granted
 * it. A deploy (a new script at the same URL) makes this worker `redundant` once the new one
 * activates: its hubs close and it gives up its life lock at once, instead of whenever the
 * browser gets round to stopping it, and each hub holds the shared upstream lock
 * (hub-succession.ts) while it holds an upstream, so the old and the new worker never hold two
 * upstreams of one name at once. A worker whose script was `importScripts`-ed into an app's own Service Worker leaves the
 * app's lifecycle alone; only under tabmux's own scope (`…/__tabmux__/`) does it skip waiting.
 */
import { TABMUX_VERSION } from '../../src/protocol/version.js';
import { Hub } from '../hub.js';
import { serveTab, type HubRuntime } from '../tab-server.js';
import { browserPlatform } from '../platform.js';
import { holdLifeLock } from '../life-lock.js';
import { realTransports } from '../transports/index.js';
import { upstreamLock, upstreamLockName } from '../hub-succession.js';
import { HUB_STARTED_CHANNEL, TABMUX_SCOPE_DIR, type SwHubStarted, type SwProbeAnswer, type SwRequest } from '../../src/hub-protocol/service-worker.js';


/**
 * How long a hidden tab's ping keeps the worker awake: past a throttled ping a minute later, under
 * Chromium's 5-minute cap on one event. Only hidden tabs that want the hub ping (keep-alive,
 * `pauseWhenHidden: false`, or within its grace), so nothing is kept awake by accident; but while
 * one does, a deploy's worker waits to activate (see STAY_AWAKE).
 */
const HIDDEN_STAY_AWAKE_MS = 70_000;

/** A channel-derived hub name is short; anything longer is not from a tabmux tab. */
const MAX_NAME_LENGTH = 4096;

interface ExtendableMessageEventLike {
  readonly data: unknown;
  readonly ports: readonly MessagePort[];
  waitUntil(promise: Promise<unknown>): void;
}

interface ExtendableEventLike {
  waitUntil(promise: Promise<unknown>): void;
}

interface ServiceWorkerLike {
  readonly state: string;
  addEventListener(type: 'statechange', listener: () => void): void;
}

export interface ServiceWorkerScope {
  readonly registration: { readonly scope: string };
  /** This worker (`ServiceWorkerGlobalScope.serviceWorker`, Chromium 116+, Firefox 120+, Safari 17+). */
  readonly serviceWorker?: ServiceWorkerLike;
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install', listener: (event: ExtendableEventLike) => void): void;
  addEventListener(type: 'message', listener: (event: ExtendableMessageEventLike) => void): void;
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
}

export function startServiceWorkerHub(scope: ServiceWorkerScope): void {
  const platform = browserPlatform(scope);
  const life = holdLifeLock(`tabmux-sw:${crypto.randomUUID()}`);
  const lifeLock = life.name;
  const hubs = new Map<string, Hub>();
  const announce = new BroadcastChannel(HUB_STARTED_CHANNEL);
  const hubOf = (name: string): HubRuntime['hub'] => (config) => {
    let hub = hubs.get(name);
    if (!hub) {
      const upstreamGate = upstreamLock(navigator.locks, upstreamLockName('service-worker', name));
      hubs.set(name, (hub = new Hub({ host: 'service-worker', config, platform, openUpstream: realTransports(platform), upstreamGate })));
      void lifeLock.then((lock) => announce.postMessage({ tabmux: 'hub-started', name, lifeLock: lock } satisfies SwHubStarted));
    }
    return hub;
  };

  // Under tabmux's own scope nothing is controlled, so waiting would only delay a deploy's hub;
  // inside an app's worker, when to activate is the app's decision.
  if (scope.registration.scope.endsWith(`/${TABMUX_SCOPE_DIR}`)) {
    scope.addEventListener('install', (event) => event.waitUntil(scope.skipWaiting()));
  }

  // Replaced by a deploy's worker: close the upstreams now and let the tabs move (they attach to
  // the registration's new active worker, from their cursors).
  const me = scope.serviceWorker;
  me?.addEventListener('statechange', () => {
    if (me.state !== 'redundant') return;
    for (const hub of hubs.values()) hub.close();
    hubs.clear();
    life.end();
  });

  scope.addEventListener('message', (event) => {
    const request = asRequest(event.data);
    if (!request) return; // the app's own message, or garbage: not ours to answer
    switch (request.tabmux) {
      case 'probe': {
        const reply = event.ports[0];
        if (reply) event.waitUntil(lifeLock.then((name) => reply.postMessage({ tabmux: 'probe', version: TABMUX_VERSION, lifeLock: name } satisfies SwProbeAnswer)));
        return;
      }
      case 'connect': {
        const port = event.ports[0];
        if (!port) return;
        // The tab's own lock stands for this hub in its eyes: the tab releases it when this
        // worker's life lock goes AND the page wants a hub again (keep-awake.ts), so a hidden tab
        // does not wake a worker the browser stopped to save power.
        serveTab({ kind: 'service-worker', locks: navigator.locks, hub: hubOf(request.name), hubLock: Promise.resolve(request.hubLock) }, port);
        return;
      }
      case 'keepalive':
        // The event itself restarts the idle timer (see STAY_AWAKE above). A hidden tab's timers
        // fire at most once a minute after 5 minutes hidden (Chromium's intensive wake-up
        // throttling), longer than the idle timeout: its pings carry the worker over the gap.
        if (request.hidden) event.waitUntil(new Promise((resolve) => setTimeout(resolve, HIDDEN_STAY_AWAKE_MS)));
        return;
      default: {
        const never: never = request;
        return never;
      }
    }
  });
}

function asRequest(data: unknown): SwRequest | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const message = data as Record<string, unknown>;
  switch (message.tabmux) {
    case 'probe':
      return { tabmux: 'probe' };
    case 'keepalive':
      return { tabmux: 'keepalive', hidden: message.hidden === true };
    case 'connect': {
      const { name, hubLock } = message;
      if (typeof name !== 'string' || typeof hubLock !== 'string' || !name || !hubLock) return undefined;
      if (name.length > MAX_NAME_LENGTH || hubLock.length > MAX_NAME_LENGTH) return undefined;
      return { tabmux: 'connect', name, hubLock };
    }
    default:
      return undefined;
  }
}
