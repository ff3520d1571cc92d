/**
 * Succession between hubs of one name (`tabmux:<transport>:<url>`), so a deploy with a new hub
 * script hands over without two live upstreams and without loss (README, Hosts: deploys). Reused by every
 * shared host (shared-worker, service-worker, leader); the host supplies `retire`.
 *
 *  - Hubs announce themselves on a BroadcastChannel `tabmux-hubs:<name>` at start; a hub answers
 *    the announcement of any hub that orders lower than itself by (version, script URL). A hub
 *    that hears of one ordering higher retires: its tabs are told to move to that hub's script
 *    URL, it closes, and its end releases the life lock its tabs watch, so they re-attach from
 *    the cursors they mirror (0 lost, 0 duplicated).
 *  - A tab newer than its hub (the same URL now serves new code, but a SharedWorker instance is
 *    keyed by URL + name, so the new page landed on the old instance): the hub retires to its own
 *    URL, so the next `new SharedWorker(url, name)` loads the new script. The tab then says
 *    `acceptOlder`, so an HTTP cache that serves the old script again cannot make it loop.
 *  - Whatever the order of events, two hubs never hold two upstreams: each holds the Web Lock
 *    `tabmux-upstream:<kind>:<name>` while it holds one (`upstreamLock`, Hub's `upstreamGate`).
 */
import { compareVersions } from '../src/protocol/version.js';
import type { LocksLike, UpstreamGate } from './platform.js';

export interface HubIdentity {
  readonly version: string;
  /** The URL tabs attach to for this hub (a SharedWorker's own script URL). */
  readonly scriptUrl: string;
  readonly hubId: string;
}

/** What hubs post on `tabmux-hubs:<name>`. */
export type SuccessionMessage =
  /** A hub started. */
  | { readonly type: 'hub-started'; readonly hub: HubIdentity }
  /** The answer of a hub that orders higher than the one that started. */
  | { readonly type: 'hub-here'; readonly hub: HubIdentity };

/** The part of BroadcastChannel used here (global in browsers, workers and Node >= 18). */
export interface BroadcastChannelLike {
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

/** Orders hubs: the newer version wins, then the greater script URL (any fixed order will do: both hubs must agree). */
export function compareHubs(a: HubIdentity, b: HubIdentity): number {
  const byVersion = compareVersions(a.version, b.version);
  if (byVersion !== 0) return byVersion;
  return a.scriptUrl < b.scriptUrl ? -1 : a.scriptUrl > b.scriptUrl ? 1 : 0;
}

/** True when a hub of `hubVersion` should retire for a tab that says hello with these (worker/tab-server.ts). */
export function retiresForTab(hubVersion: string, tab: { readonly version?: string | undefined; readonly acceptOlder?: boolean | undefined }): boolean {
  return typeof tab.version === 'string' && tab.acceptOlder !== true && compareVersions(tab.version, hubVersion) > 0;
}

/**
 * `retiresForTab` with memory, for one hub: once a tab says `acceptOlder`, this URL served it the
 * old script again after a retire (the HTTP cache), so retiring for newer tabs would only restart
 * the same script: the hub stops doing it.
 */
export function tabVersionCheck(hubVersion: string): (tab: Parameters<typeof retiresForTab>[1]) => boolean {
  let staleScript = false;
  return (tab) => {
    if (tab.acceptOlder === true) staleScript = true;
    return !staleScript && retiresForTab(hubVersion, tab);
  };
}

export interface SuccessionOptions {
  /** The hub's name: `tabmux:<transport>:<url>`. */
  readonly name: string;
  readonly self: HubIdentity;
  /** This hub must go: tell the tabs to move to `newer.scriptUrl`, close, end. Called at most once. */
  readonly retire: (newer: HubIdentity) => void;
  /** Injected for tests; default the global BroadcastChannel. */
  readonly channel?: (name: string) => BroadcastChannelLike;
}

export interface Succession {
  /** Set once this hub heard of a newer one. */
  readonly retiredFor: HubIdentity | undefined;
  close(): void;
}

export function startSuccession(options: SuccessionOptions): Succession {
  const channel = (options.channel ?? ((name) => new BroadcastChannel(name) as unknown as BroadcastChannelLike))(`tabmux-hubs:${options.name}`);
  const { self } = options;
  let retiredFor: HubIdentity | undefined;
  channel.onmessage = ({ data }) => {
    if (retiredFor || !isSuccessionMessage(data)) return;
    const order = compareHubs(data.hub, self);
    if (order > 0) {
      retiredFor = data.hub;
      channel.close(); // a retired hub answers nobody: the newer one does
      options.retire(data.hub);
    } else if (order < 0 && data.type === 'hub-started') {
      channel.postMessage({ type: 'hub-here', hub: self } satisfies SuccessionMessage);
    }
  };
  channel.postMessage({ type: 'hub-started', hub: self } satisfies SuccessionMessage);
  return {
    get retiredFor() {
      return retiredFor;
    },
    close: () => channel.close(),
  };
}

function isSuccessionMessage(data: unknown): data is SuccessionMessage {
  if (!data || typeof data !== 'object') return false;
  const { type, hub } = data as { type?: unknown; hub?: Partial<HubIdentity> };
  return (type === 'hub-started' || type === 'hub-here') && !!hub && typeof hub.version === 'string' && typeof hub.scriptUrl === 'string' && typeof hub.hubId === 'string';
}

/** The lock name a shared hub holds while it holds an upstream. */
export function upstreamLockName(kind: string, name: string): string {
  return `tabmux-upstream:${kind}:${name}`;
}

/**
 * The Hub's `upstreamGate` as a Web Lock: FIFO across every hub of the origin (Web Locks §2), and
 * released by the browser when the holder ends, crashed or not, so a dead hub never blocks.
 */
export function upstreamLock(locks: LocksLike, lockName: string): UpstreamGate {
  return {
    acquire(granted) {
      let dropped = false;
      let release: (() => void) | undefined;
      void locks
        .request(lockName, () => {
          if (dropped) return; // given back before it came: let it go at once
          const held = new Promise<void>((resolve) => (release = resolve));
          granted();
          return held;
        })
        .catch(() => undefined);
      return () => {
        dropped = true;
        release?.();
      };
    },
  };
}
