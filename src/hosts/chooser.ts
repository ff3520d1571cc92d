/**
 * `host: 'auto'` tries the hosts in this order and takes the first that can be used and starts:
 * shared-worker, service-worker, leader, then direct (CONTRACT.md).
 */
import type { HostOption } from '../protocol/hub-api.js';
import { directHost } from './direct.js';
import { leaderHost } from './leader.js';
import { serviceWorkerHost } from './service-worker.js';
import { sharedWorkerHost } from './shared-worker.js';
import type { Host } from './types.js';

export const HOSTS_IN_ORDER: readonly Host[] = [sharedWorkerHost, serviceWorkerHost, leaderHost, directHost];

/** The candidates for an option, best first; an explicit host is the only candidate. */
export function candidateHosts(option: HostOption): Host[] {
  if (option === 'auto') return HOSTS_IN_ORDER.filter((host) => host.canBeUsed());
  const host = HOSTS_IN_ORDER.find((candidate) => candidate.kind === option);
  return host && host.canBeUsed() ? [host] : [];
}
