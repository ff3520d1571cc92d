/**
 * `host: 'auto'` walks the hosts in this order and takes the first that can be used and starts:
 * shared-worker, service-worker, leader, then direct (README, Hosts). `connect()` records why each
 * one before it was not taken, for `mux.debug().hostChoice`.
 */
import type { HostOption } from '../hub-protocol/hub-api.js';
import { directHost } from './direct.js';
import { leaderHost } from './leader.js';
import { serviceWorkerHost } from './service-worker.js';
import { sharedWorkerHost } from './shared-worker.js';
import type { Host } from './types.js';

export const HOSTS_IN_ORDER: readonly Host[] = [sharedWorkerHost, serviceWorkerHost, leaderHost, directHost];

/** The hosts to walk for an option, best first; an explicit host is the only one. */
export function hostsFor(option: HostOption): readonly Host[] {
  return option === 'auto' ? HOSTS_IN_ORDER : HOSTS_IN_ORDER.filter((host) => host.kind === option);
}

/** Why `host.canBeUsed()` is false: the host's own short reason, or a generic one. */
export function whyNot(host: Host): string {
  return host.whyNot?.() ?? `the ${host.kind} host cannot be used in this browser`;
}
