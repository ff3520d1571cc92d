/**
 * One-tab delivery across the tabs of the `direct` host, in a page (README, One tab per message):
 * the BroadcastChannel of the hub's name and the page's lifecycle, around the logic of
 * worker/one-tab-peers.ts. Built on its own to dist/tabmux-one-tab-peers.js (rollup.config.js
 * LAZY_MODULES), which the `direct` hub (worker/runtimes/direct.ts) imports on the page's first
 * one-tab subscription: pages without one are not paying for it, nor are the other hosts.
 */
import type { HubConfig } from '../../src/hub-protocol/hub-api.js';
import { hubName } from '../../src/hub-protocol/one-tab.js';
import { OneTabPeers, type MarkStore, type OneTabPeersApi, type PeerLiveness, type PeersHost } from '../one-tab-peers.js';
import type { Clock } from '../platform.js';

/** What dist/tabmux-one-tab-peers.js exports (its declaration for the importer: worker/lazy-modules.d.ts). */
export interface OneTabPeersModule {
  startOneTabPeers(host: PeersHost, config: HubConfig): OneTabPeersApi;
}

/** A page that goes into the back/forward cache, closes or is frozen says bye first: it may never run again. */
export const startOneTabPeers: OneTabPeersModule['startOneTabPeers'] = (host, config) => {
  const name = `tabmux-one-tab:${hubName(config.transport, config.url)}`;
  const bus = new BroadcastChannel(name);
  const id = randomId();
  const peers = new OneTabPeers(id, host, bus, storageMarks(name, host.clock), lockLiveness(name, id));
  const back = () => peers.back();
  const page = globalThis as unknown as PageScope;
  page.addEventListener?.('pagehide', () => peers.away());
  page.addEventListener?.('pageshow', back);
  page.document?.addEventListener('freeze', () => peers.away(true));
  page.document?.addEventListener('resume', back);
  return peers;
};

/**
 * With Web Locks (secure contexts): this page holds `<name> peer <id>` until it is gone, and a tab
 * is alive while its lock is held (navigator.locks.query). None on plain http.
 */
function lockLiveness(name: string, id: string): PeerLiveness | undefined {
  const locks = (globalThis as { navigator?: { locks?: LocksLike } }).navigator?.locks;
  if (!locks) return undefined;
  const lockOf = (peer: string) => `${name} peer ${peer}`;
  locks.request(lockOf(id), () => new Promise<void>(() => undefined)).catch(() => undefined);
  return {
    alive: async (peer) => ((await locks.query()).held ?? []).some((lock) => lock.name === lockOf(peer)),
  };
}

/** The part of the LockManager used. */
interface LocksLike {
  request(name: string, callback: () => Promise<void>): Promise<unknown>;
  query(): Promise<{ held?: readonly { name?: string }[] }>;
}

/**
 * Marks in the page's localStorage, one key per channel (`<name> <channel>`: a space occurs in
 * neither): `{ m: mark, t: when }`. None where there is no localStorage, or it refuses (a sandboxed
 * frame, storage disabled): the channel's marks are then all there is.
 */
function storageMarks(name: string, clock: Clock): MarkStore | undefined {
  let storage: StorageLike | undefined;
  try {
    storage = (globalThis as { localStorage?: StorageLike }).localStorage;
  } catch {
    return undefined;
  }
  if (!storage) return undefined;
  const key = (channel: string) => `${name} ${channel}`;
  return {
    read(channel) {
      const { m, t } = JSON.parse(storage.getItem(key(channel)) ?? 'null') ?? {};
      return typeof m === 'string' && typeof t === 'number' ? { mark: m, at: t } : undefined;
    },
    write: (channel, mark) => storage.setItem(key(channel), JSON.stringify({ m: mark, t: clock.now() })),
  };
}

/** The part of a page's Storage used (this file compiles under the WebWorker lib too). */
interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The window's events listened to (this file compiles under the WebWorker lib too). */
interface PageScope {
  addEventListener?(type: 'pagehide' | 'pageshow', listener: () => void): void;
  readonly document?: { addEventListener(type: 'freeze' | 'resume', listener: () => void): void };
}

/** `crypto.randomUUID` needs a secure context, which the `direct` host often lacks. */
function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint32Array(4)), (n) => n.toString(36)).join('');
}
