/** What a host gives the hub (worker/hub.ts), and the defaults of the tunables. */
import type { HostKind, HubConfig } from '../src/hub-protocol/hub-api.js';
import type { Platform, UpstreamGate } from './platform.js';
import type { UpstreamFactory } from './transports/types.js';
import type { OneTabPeersApi, PeersHost } from './one-tab-peers.js';

export interface HubOptions {
  readonly host: HostKind;
  readonly config: HubConfig;
  readonly platform: Platform;
  readonly openUpstream: UpstreamFactory;
  /** How long a channel nobody wants stays on the upstream: a reload re-subscribes within it. */
  readonly lingerMs?: number;
  /** Subscriptions arriving within this window share one upstream change. */
  readonly coalesceMs?: number;
  readonly openTimeoutMs?: number;
  readonly pollTimeoutS?: number;
  readonly backoff?: { readonly baseMs?: number; readonly capMs?: number };
  /** Silence on an SSE upstream after which it counts as dead (default from `config.heartbeatS`). */
  readonly heartbeatWindowMs?: number;
  /**
   * Shared hubs (shared-worker, service-worker, leader) pass one so that two hubs of one name
   * never hold two upstreams (a deploy's old and new hub): the hub waits for it in `connecting`.
   */
  readonly upstreamGate?: UpstreamGate;
  /**
   * `direct` only (worker/runtimes/in-page.ts): one-tab delivery across the tabs of the hub's
   * name, each of which runs a hub of its own (one-tab-peers.ts). A factory, so that the hubs of
   * the other hosts (dist/worker.js) do not carry that code.
   */
  readonly oneTabPeers?: (host: PeersHost) => OneTabPeersApi;
}

export type ResolvedHubOptions = Required<Omit<HubOptions, 'backoff' | 'heartbeatWindowMs' | 'upstreamGate' | 'oneTabPeers'>>;

export function withDefaults(options: Omit<HubOptions, 'upstreamGate' | 'oneTabPeers'>): ResolvedHubOptions {
  return { lingerMs: 1000, coalesceMs: 20, openTimeoutMs: 10_000, pollTimeoutS: 25, ...options };
}
