/**
 * Finding, registering and updating the Service Worker that runs the hub, and asking it who it is.
 *
 * Scope: tabmux registers its script under `<script folder>/__tabmux__/`, where no page lives, so
 * its worker never controls a page, handles no fetch, and coexists with the app's own worker at
 * `/`. An app that `importScripts` the hub into its own worker has registered that worker itself:
 * a registration already running the script at `workerUrl` is used as it is, whatever its scope.
 *
 * workbox-window's `messageSW` asks the worker (a reply over a fresh MessageChannel). Its `Workbox`
 * class is not used to register: its `getSW()` and `active` settle only for a worker this page saw
 * install or that controls this page, and tabmux's worker controls none, so for a registration made
 * by an earlier page they never settle; `register()` waits for `load` unless told otherwise; and
 * the package's module build cannot be tree-shaken (2.3 KiB gzipped for the class, against a 6 KiB
 * client budget). `navigator.serviceWorker.register` and `registration.active` are all it wrapped.
 */
// The per-module file: the package's `module` build is one untree-shakeable bundle (see above).
import { messageSW } from 'workbox-window/messageSW.js';
import { TabmuxError } from '../../errors.js';
import { compareVersions, TABMUX_VERSION } from '../../protocol/version.js';
import { TABMUX_SCOPE_DIR, type SwProbeAnswer, type SwRequest } from '../../hub-protocol/service-worker.js';

/** Install + activate of a fresh worker, or a probe's answer from a worker the browser must start: generous for a busy phone. */
const WORKER_START_TIMEOUT_MS = 8000;

/** Workers replaced while one tab attaches: one is a deploy; five is a loop. */
const MAX_ATTEMPTS = 5;
/** How often `registration.active` is looked at while a replaced worker's successor is not there yet. */
const POLL_MS = 50;

/** One registration per script URL per page: later links reuse it (a re-attach costs no request). */
const registrations = new Map<string, Promise<ServiceWorkerRegistration>>();

export function registrationFor(workerUrl: string): Promise<ServiceWorkerRegistration> {
  const absolute = new URL(workerUrl, location.href).href;
  const cached = registrations.get(absolute);
  // A registration without any worker was unregistered since (site data cleared, the app's own
  // code): look again.
  const registration = cached ? cached.then((r) => (r.active ?? r.waiting ?? r.installing ? r : findOrRegister(absolute))) : findOrRegister(absolute);
  registrations.set(absolute, registration);
  registration.catch(() => registrations.get(absolute) === registration && registrations.delete(absolute)); // the next attach tries again
  return registration;
}

async function findOrRegister(absolute: string): Promise<ServiceWorkerRegistration> {
  const newest = (r: ServiceWorkerRegistration) => r.installing ?? r.waiting ?? r.active;
  const existing = (await navigator.serviceWorker.getRegistrations()).find((r) => newest(r)?.scriptURL === absolute);
  if (existing) return existing;
  try {
    return await navigator.serviceWorker.register(absolute, { scope: new URL(`./${TABMUX_SCOPE_DIR}`, absolute).href });
  } catch (error) {
    throw new TabmuxError('TABMUX_ERR_NO_HOST', `the hub script ${absolute} could not be registered as a Service Worker: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The registration's active worker and its probe answer. A worker can turn `redundant` between
 * our reading `registration.active` and its answer (a deploy's worker activating): this page
 * learns of the new active worker a task later, and a message to a redundant worker is dropped.
 * So a redundant worker is skipped, and a probe it never answers is asked again of the next.
 */
export async function reachHub(registration: ServiceWorkerRegistration): Promise<{ worker: ServiceWorker; answer: SwProbeAnswer }> {
  for (let attempt = 1; ; attempt++) {
    const worker = await activeWorker(registration);
    const answer = await probe(worker);
    if (answer) return { worker, answer };
    if (attempt === MAX_ATTEMPTS) throw new TabmuxError('TABMUX_ERR_NO_HOST', `the hub Service Worker was replaced ${MAX_ATTEMPTS} times while this tab attached`);
  }
}

/**
 * The registration's active worker that is not redundant, once there is one (a fresh registration
 * installs first). While a deploy's worker of tabmux's own registration waits to activate, it is
 * waited for: Chromium activates it once the old worker has no event in flight and stops it, and
 * a probe sent to the old one meanwhile (a tab re-attaching when it stopped) starts it again, so
 * the swap would wait on and on (measured: the new worker stayed `installed` 30 s and more). An
 * app's own registration (the hub imported) activates when the app says: not waited for.
 */
async function activeWorker(registration: ServiceWorkerRegistration): Promise<ServiceWorker> {
  const usable = () => (registration.active && registration.active.state !== 'redundant' ? registration.active : undefined);
  const pending = registration.installing ?? registration.waiting;
  if (pending && !usable()) await activation(pending);
  else if (pending && registration.scope.endsWith(`/${TABMUX_SCOPE_DIR}`)) await activation(pending).catch(() => undefined); // then the old one, if it must
  // A replaced worker's successor shows up in `registration.active` a task after it turned
  // redundant; no event says so on the registration: look again, briefly.
  return usable() ?? until(usable, 'the hub Service Worker to be active (its script failed to install?)');
}

function activation(worker: ServiceWorker): Promise<void> {
  return bounded(
    new Promise<void>((resolve) => {
      const check = () => {
        if (worker.state === 'activated' || worker.state === 'redundant') resolve();
      };
      worker.addEventListener('statechange', check);
      check();
    }),
    'the hub Service Worker to activate',
  );
}

/** Asks a worker for its version and life lock; undefined if it turned redundant first. */
async function probe(worker: ServiceWorker): Promise<SwProbeAnswer | undefined> {
  const redundant = new Promise<undefined>((resolve) => {
    const check = () => worker.state === 'redundant' && resolve(undefined);
    worker.addEventListener('statechange', check);
    check();
  });
  const asked = messageSW(worker, { tabmux: 'probe' } satisfies SwRequest) as Promise<Partial<SwProbeAnswer> | undefined>;
  const answer = await bounded(Promise.race([asked, redundant]), `the Service Worker ${worker.scriptURL} to answer (does it run the tabmux hub?)`);
  if (worker.state === 'redundant' && answer === undefined) return undefined;
  if (answer?.tabmux !== 'probe' || typeof answer.lifeLock !== 'string' || typeof answer.version !== 'string') {
    throw new TabmuxError('TABMUX_ERR_NO_HOST', `the Service Worker ${worker.scriptURL} does not run the tabmux hub`);
  }
  return answer as SwProbeAnswer;
}

/**
 * The version handshake: a tab newer than the worker asks the registration to fetch the script
 * again (a deploy). No page is in tabmux's scope, so no navigation triggers that check: without
 * this, a new hub script would wait for the browser's 24-hour update check. The tab attaches to
 * the current worker meanwhile; when the new one activates, the old one turns redundant, closes
 * its hub, and every tab moves (worker/runtimes/service-worker.ts).
 */
export function updateIfOlder(registration: ServiceWorkerRegistration, answer: SwProbeAnswer): void {
  if (compareVersions(TABMUX_VERSION, answer.version) <= 0) return;
  registration.update().catch(() => undefined);
}

/** Resolves with `check()`'s first defined value, looked at every `POLL_MS`, for a bounded time. */
function until<T>(check: () => T | undefined, what: string): Promise<T> {
  let timer: ReturnType<typeof setInterval> | undefined;
  const found = new Promise<T>((resolve) => {
    timer = setInterval(() => {
      const value = check();
      if (value !== undefined) resolve(value);
    }, POLL_MS);
  });
  return bounded(found, what).finally(() => clearInterval(timer));
}

function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TabmuxError('TABMUX_ERR_NO_HOST', `timed out after ${WORKER_START_TIMEOUT_MS} ms waiting for ${what}`)), WORKER_START_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
