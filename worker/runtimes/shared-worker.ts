/**
 * The hub as a SharedWorker: every tab's `new SharedWorker(url, name)` lands here as a
 * `connect` event with its own port (WHATWG HTML §10.2.6.4).
 *
 * Deploys (README, Hosts; worker/hub-succession.ts): the hub waits for the upstream lock before it
 * opens, announces itself to other hubs of its name, and retires for a newer hub (another script
 * URL) or a newer tab (this URL now serves newer code): tabs get `moved`, the hub closes, and the
 * worker ends, which releases its life lock so the tabs re-attach from their cursors.
 */
import { realTransports } from '../transports/index.js';
import { Hub } from '../hub.js';
import { serveTab, type HubRuntime } from '../tab-server.js';
import { browserPlatform } from '../platform.js';
import { holdLifeLock } from '../life-lock.js';
import { TABMUX_VERSION } from '../../src/protocol/version.js';
import { tabVersionCheck, startSuccession, upstreamLock, upstreamLockName, type HubIdentity } from '../hub-succession.js';

interface SharedWorkerScope {
  readonly name: string;
  /** This worker's script URL: where tabs moved here attach. */
  readonly location: { readonly href: string };
  close(): void;
  onconnect: ((event: MessageEvent) => void) | null;
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
}

export function startSharedWorkerHub(scope: SharedWorkerScope): void {
  const platform = browserPlatform(scope);
  let hub: Hub | undefined;
  const self: HubIdentity = { version: TABMUX_VERSION, scriptUrl: scope.location.href, hubId: crypto.randomUUID() };
  const upstreamGate = upstreamLock(navigator.locks, upstreamLockName('shared-worker', scope.name));
  /** Where this hub's tabs go once it retires (set at most once). */
  let movedTo: string | undefined;
  const retire = (workerUrl: string): void => {
    movedTo ??= workerUrl;
    if (!hub) return; // no tab yet: the first hello gets `moved` (below), then the worker ends
    hub.retire(movedTo);
    // A macrotask later: the hello answer being sent (Comlink posts it from microtasks) and the
    // `moved` batches leave first. close() releases the life lock once the worker has ended.
    setTimeout(() => scope.close(), 0);
  };
  startSuccession({ name: scope.name, self, retire: (newer) => retire(newer.scriptUrl) });
  const retiresForTab = tabVersionCheck(TABMUX_VERSION);
  const host: HubRuntime = {
    kind: 'shared-worker',
    locks: navigator.locks,
    hub: (config) => (hub ??= new Hub({ host: 'shared-worker', config, platform, openUpstream: realTransports(platform), upstreamGate })),
    // Unique per instance: an old and a new hub of one name live side by side during a deploy,
    // and a tab must watch ITS hub's end, not queue behind the next hub's lock.
    hubLock: holdLifeLock(`tabmux-hub:${scope.name}:${self.hubId}`).name,
    onHello: (_hub, request) => {
      // Retired already (a late tab gets `moved` too), or a tab newer than this script.
      if (movedTo !== undefined) retire(movedTo);
      else if (retiresForTab(request)) retire(self.scriptUrl);
    },
  };
  scope.onconnect = (event) => {
    const port = event.ports[0];
    if (port) serveTab(host, port);
  };
}
