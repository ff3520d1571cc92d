/**
 * The hub in one elected tab, for browsers with neither SharedWorker nor a usable Service Worker
 * (issue 5). Every page that opens this host for a hub name joins an election (Web Locks,
 * leader/election.ts); the winner runs the in-page hub (the same Hub as everywhere) and serves the
 * other pages over BroadcastChannel, through a port tunnel (leader/port-tunnel.ts) so that Comlink
 * and its transferred ports work as over a real MessagePort. When the leader closes, crashes or
 * is frozen, the next page in line leads and every tab re-attaches from its cursors (connect.ts).
 *
 * A page newer than the leader (TABMUX_VERSION) takes over at once with Web Locks' `steal`.
 */
import { TabmuxError } from '../errors.js';
import { compareVersions, TABMUX_VERSION } from '../protocol/version.js';
import { createElection, type Election } from './leader/election.js';
import { createFollower, type Follower } from './leader/follower.js';
import { startTerm, type Term } from './leader/leader-term.js';
import { newLinkId } from './leader/port-tunnel.js';
import { electionLock, peerLock } from './leader/protocol.js';
import { startInPageHub } from './in-page-hub.js';
import type { Host } from './types.js';

interface Member {
  readonly election: Election;
  readonly follower: Follower;
  term: Term | undefined;
  /** Why this page could not lead when elected (or take part at all), until a leader is heard of. */
  failure: TabmuxError | undefined;
}

const members = new Map<string, Member>();
let peer: { readonly id: string; readonly held: Promise<void> } | undefined;

/** This page's id, and its peer lock held for the page's life (the leader watches it). */
function thisPeer(): { readonly id: string; readonly held: Promise<void> } {
  if (!peer) {
    const id = newLinkId();
    const held = new Promise<void>((resolve) => {
      navigator.locks
        .request(peerLock(id), () => {
          resolve();
          return new Promise<void>(() => undefined); // until the page ends
        })
        .catch(() => resolve()); // no Web Locks here: the election reports it
    });
    peer = { id, held };
  }
  return peer;
}

function memberFor(name: string): Member {
  let member = members.get(name);
  if (member) return member;
  const self = thisPeer();
  const election = createElection({
    lockName: electionLock(name),
    lead: async () => {
      const term = await startTerm(name, TABMUX_VERSION, startInPageHub).catch((error: unknown) => {
        member!.failure = new TabmuxError('TABMUX_ERR_NO_HOST', `this tab was elected leader but could not start the hub: ${String(error)}`);
        throw error;
      });
      member!.failure = undefined;
      member!.term = term;
      // This page's tabs that tried to attach before the election was decided (a handoff) would
      // otherwise reach this very page through the channels, for the whole term.
      member!.follower.adopt((port) => term.serveLocal(port));
      return () => {
        if (member!.term === term) member!.term = undefined;
        term.close();
      };
    },
    failed: (error) => {
      member!.failure = new TabmuxError('TABMUX_ERR_NO_HOST', `Web Locks refused this page (an opaque origin?): ${String(error)}`);
    },
  });
  const follower = createFollower({
    name,
    peer: self.id,
    ready: self.held,
    onLeader: (_leader, version) => {
      member!.failure = undefined; // someone leads: this page can follow
      if (compareVersions(TABMUX_VERSION, version) > 0) election.steal();
    },
  });
  member = { election, follower, term: undefined, failure: undefined };
  members.set(name, member);
  // Page Lifecycle (WICG): a frozen page runs no code but keeps its locks. Step down before the
  // freeze, so the next page leads; come back as a candidate on resume.
  globalThis.document?.addEventListener('freeze', () => election.leave());
  globalThis.document?.addEventListener('resume', () => election.join());
  // Into the back/forward cache (not every browser fires `freeze` then): neither lead nor listen.
  // The channels close after this page's tabs have told the leader they left (connect.ts closes
  // them on the same pagehide, and its listener ran first: it was added at connect()).
  globalThis.addEventListener?.('pagehide', (event) => {
    if (!(event as PageTransitionEvent).persisted) return;
    election.leave();
    queueMicrotask(() => follower.suspend());
  });
  globalThis.addEventListener?.('pageshow', (event) => {
    if (!(event as PageTransitionEvent).persisted) return;
    follower.resume();
    election.join();
  });
  election.join();
  return member;
}

export const leaderHost: Host = {
  kind: 'leader',
  canBeUsed: () => typeof navigator !== 'undefined' && !!navigator.locks && typeof BroadcastChannel === 'function' && typeof MessageChannel === 'function',
  open({ name }) {
    const member = memberFor(name);
    const { port1, port2 } = new MessageChannel();
    // What the tab posts to port1 waits in port2's queue until we know where the hub is.
    let close = () => port2.close();
    let closed = false;
    const failed = member.election.settled().then(() => {
      if (closed) return new Promise<never>(() => undefined);
      if (member.term) member.term.serveLocal(port2);
      else if (member.failure) throw member.failure;
      else close = member.follower.link(port2);
      return new Promise<never>(() => undefined);
    });
    failed.catch(() => undefined);
    return {
      kind: 'leader',
      endpoint: port1,
      failed,
      close: () => {
        closed = true;
        port1.close();
        close();
      },
    };
  },
};
