/**
 * One tab's link to the Service Worker hub: find or register the worker, check its version,
 * transfer the tab's Comlink port to it in a `connect` message, keep it awake while the page
 * wants a hub (keep-awake.ts), and say when the hub is gone.
 *
 * How a tab learns the hub is gone: the worker holds a life lock (its probe answer names it), but
 * the tab is told to watch a lock of the LINK's own (`hubLock` in the hello answer). The link
 * releases it once the worker's life lock is released AND the tab needs a hub again: its page
 * wants one (keep-awake.ts), or another tab started one (`hub-started`: joining costs nothing),
 * or the tab calls the hub (a publish). So a hidden tab whose worker the browser stopped to save
 * power does not start it again at once by re-attaching (which would open the upstream and keep
 * the worker ~30 s, over and over). Re-attaching resumes from the cursors the tab mirrors, like
 * after any hub death (src/connect.ts).
 */
import { holdTabLock } from '../../tab-lock.js';
import { HUB_STARTED_CHANNEL, type SwHubStarted, type SwRequest } from '../../hub-protocol/service-worker.js';
import { keepAwake, onPageChange, visibilityOnly, type LifecycleSource } from './keep-awake.js';
import { reachHub, registrationFor, updateIfOlder } from './registration.js';

export interface LinkOptions {
  readonly workerUrl: string;
  readonly name: string;
  /** The tab's lifecycle report (`connect()`'s); visibility alone without it. */
  readonly lifecycle?: LifecycleSource;
}

export interface ServiceWorkerLink {
  /** Rejects when the worker cannot be registered, started or reached; never resolves otherwise. */
  readonly failed: Promise<never>;
  /** The tab sends the hub this (a Comlink message): a call the tab waits on wakes a stopped hub. */
  sending(message: unknown): void;
  /** The worker's life lock was released: what is posted now reaches no hub. */
  hubEnded(): boolean;
  close(): void;
}

/**
 * Calls that do not need a hub: a lifecycle report (a hidden tab's visibility, online state) and
 * `bye`. Any other call (publish, subscribe, debug…) from a tab whose worker was stopped while
 * hidden would otherwise wait until the page is shown. Comlink's wire format: `{ type: 'APPLY',
 * path: [method] }` (comlink/src/protocol.ts).
 */
const NEEDS_NO_HUB = new Set(['lifecycle', 'bye']);
const needsHub = (message: unknown): boolean => {
  const path = (message as { path?: unknown } | null)?.path;
  return !(Array.isArray(path) && NEEDS_NO_HUB.has(path[0] as string));
};

export function openServiceWorkerLink(options: LinkOptions, port: MessagePort): ServiceWorkerLink {
  const hubLock = holdTabLock(`tabmux-sw-link:${crypto.randomUUID()}`);
  const stopWatchingLife = new AbortController();
  let awake: ReturnType<typeof keepAwake> | undefined;
  let closed = false;
  /** Set once the worker's life lock was released: the hub is gone. */
  let hubGone = false;
  let called = () => undefined as void;
  const callAfterDeath = new Promise<void>((resolve) => (called = resolve));

  const run = async (): Promise<never> => {
    const registration = await registrationFor(options.workerUrl);
    const { worker, answer } = await reachHub(registration);
    updateIfOlder(registration, answer);
    await hubLock.held;
    if (closed) return new Promise<never>(() => undefined);
    const target = worker;
    target.postMessage({ tabmux: 'connect', name: options.name, hubLock: hubLock.name } satisfies SwRequest, [port]);
    awake = keepAwake({
      lifecycle: options.lifecycle ?? visibilityOnly,
      ping: (hidden) => target.postMessage({ tabmux: 'keepalive', ...(hidden && { hidden }) } satisfies SwRequest),
      now: () => Date.now(),
      onPageChange,
    });
    const life = awake;
    const elsewhere = hubStartedElsewhere(options.name, answer.lifeLock, stopWatchingLife.signal);
    // Granted when the worker is stopped (idle, crashed, DevTools) or replaced by a deploy: not
    // before, even if another worker announced a hub (a deploy's): two upstreams at once, else.
    void navigator.locks
      .request(answer.lifeLock, { signal: stopWatchingLife.signal }, () => undefined)
      .then(() => {
        hubGone = true;
        return Promise.race([life.whenWanted(), elsewhere, callAfterDeath]);
      })
      .then(() => hubLock.release())
      .catch(() => undefined); // aborted by close()
    return new Promise<never>(() => undefined);
  };

  const failed = run();
  failed.catch(() => undefined);
  return {
    failed,
    sending(message) {
      if (hubGone && needsHub(message)) called();
    },
    hubEnded: () => hubGone,
    close() {
      if (closed) return;
      closed = true;
      awake?.stop();
      stopWatchingLife.abort();
      void hubLock.held.then(() => hubLock.release()); // a release before it is held would be lost
    },
  };
}

/** Resolves when a worker other than ours announces a hub of `name` (worker/runtimes/service-worker.ts). */
function hubStartedElsewhere(name: string, ourLifeLock: string, signal: AbortSignal): Promise<void> {
  if (typeof BroadcastChannel !== 'function') return new Promise<void>(() => undefined);
  const channel = new BroadcastChannel(HUB_STARTED_CHANNEL);
  signal.addEventListener('abort', () => channel.close());
  return new Promise<void>((resolve) => {
    channel.onmessage = (event: MessageEvent<Partial<SwHubStarted> | null>) => {
      if (event.data?.tabmux !== 'hub-started' || event.data.name !== name || event.data.lifeLock === ourLifeLock) return;
      channel.close();
      resolve();
    };
  });
}
