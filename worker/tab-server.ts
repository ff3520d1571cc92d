/**
 * The tab registry of a hub host: exposes the control plane (Comlink's protocol, worker/hub-rpc.ts) on each tab's port, wires
 * the tab's data port to the hub, and watches the tab's liveness.
 *
 * Liveness: a MessagePort has no close event in most browsers (whatwg/html#1766), so a tab that
 * crashes or navigates away would hold its channels forever. Each tab holds a Web Lock named in
 * its hello for as long as it lives; the hub requests the same lock and is granted it exactly
 * when the tab is gone (Web Locks §"lock release" on agent termination), then drops the tab.
 */
import type { Endpoint } from 'comlink';
import { expose } from './hub-rpc.js';
import type { HubSnapshot, HelloAnswer, HelloRequest, HostKind, HubApi, HubConfig, TokenProvider } from '../src/hub-protocol/hub-api.js';
import { publicState } from './hub-state.js';
import type { Hub } from './hub.js';
import type { LocksLike } from './platform.js';
import { TABMUX_VERSION } from '../src/protocol/version.js';

export interface HubRuntime {
  readonly kind: HostKind;
  /** The hub of this host, created by the first hello (its config comes from the tabs). */
  hub(config: HubConfig): Hub;
  readonly locks?: LocksLike;
  /** A lock the hub holds for its life, resolved once held (SharedWorker only). */
  readonly hubLock?: Promise<string>;
  /**
   * Called once the tab is attached, before its answer: the host may retire the hub here (a tab
   * newer than the hub: worker/hub-succession.ts). The tab then gets `moved`, and its answer.
   */
  onHello?(hub: Hub, request: HelloRequest): void;
}

export function serveTab(host: HubRuntime, port: Endpoint): void {
  let hub: Hub | undefined;
  let tabId: string | undefined;
  const attached = (): Hub => {
    if (!hub || tabId === undefined) throw new Error('hello first');
    return hub;
  };

  const api: HubApi = {
    async hello(request: HelloRequest, tokenProvider?: TokenProvider): Promise<HelloAnswer> {
      hub = host.hub(request.config);
      tabId = request.tabId;
      hub.addTab(tabId, request.dataPort, request.token, typeof tokenProvider === 'function' ? tokenProvider : undefined, typeof request.lockName === 'string' ? request.lockName : undefined);
      const id = tabId;
      const owner = hub;
      if (request.lockName && host.locks) {
        // Granted only when the tab released it, i.e. when the tab is gone. Return at once so the
        // lock is free again for nobody in particular.
        // Shared mode: every watcher is granted at once when the tab goes, so a frozen page that
        // also waits for this lock (an old leader, say) cannot hold this hub's turn up.
        void host.locks.request(request.lockName, { mode: 'shared' }, () => owner.removeTab(id)).catch(() => undefined);
      }
      host.onHello?.(owner, request);
      const hubLock = host.hubLock ? await host.hubLock : undefined;
      return { protocol: 1, hubId: owner.id, version: TABMUX_VERSION, state: publicState(owner.state), ...(hubLock !== undefined && { hubLock }) };
    },
    async subscribe(channel, cursor, delivery) {
      return attached().subscribe(tabId!, channel, cursor, delivery === 'one-tab' ? 'one-tab' : 'every-tab');
    },
    async unsubscribe(channel, delivery) {
      attached().unsubscribe(tabId!, channel, delivery === 'one-tab' ? 'one-tab' : 'every-tab');
    },
    async handled(channel, id) {
      if (typeof channel === 'string' && typeof id === 'string') attached().handled(tabId!, channel, id);
    },
    async publish(channel, data) {
      return attached().publish(channel, data);
    },
    async debug(): Promise<HubSnapshot> {
      return attached().debug();
    },
    async setToken(token) {
      if (typeof token === 'string' && token) attached().setToken(token);
    },
    async lifecycle(report) {
      if (report && typeof report === 'object') attached().setLifecycle(tabId!, report);
    },
    async bye() {
      if (hub && tabId !== undefined) hub.removeTab(tabId);
    },
  };
  expose(api, port);
}
