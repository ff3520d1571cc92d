/**
 * The hub in one elected tab, for browsers with neither SharedWorker nor a usable Service Worker
 * (README, Hosts). Every page that opens this host for a hub name joins an election (Web Locks,
 * leader/election.ts); the winner runs the in-page hub (the same Hub as everywhere) and serves the
 * other pages over BroadcastChannel, through a port tunnel (leader/port-tunnel.ts) so that Comlink
 * and its transferred ports work as over a real MessagePort. When the leader closes, crashes or
 * is frozen, the next page in line leads and every tab re-attaches from its cursors (connect.ts).
 *
 * A page newer than the leader (TABMUX_VERSION) takes over at once with Web Locks' `steal`.
 */
import { TABMUX_VERSION } from '../protocol/version.js';
import { deferredLink } from './deferred-link.js';
import { lazyModule } from './lazy-module.js';
import type { Host } from './types.js';

// The election, tunnel and follower code (leader/open.ts) is loaded when a page uses this host.
const load = lazyModule('tabmux-leader.js', () => import('./leader/open.js'));

export const leaderHost: Host = {
  kind: 'leader',
  // Only the locks are checked: every engine with Web Locks shipped BroadcastChannel and
  // MessageChannel years before them.
  canBeUsed: () => typeof navigator !== 'undefined' && !!navigator.locks,
  whyNot: () => 'Web Locks are not available (they need a secure context: https or localhost)',
  open: ({ name }) => deferredLink('leader', async (port) => (await load()).openLeader(name, port, TABMUX_VERSION)),
};
