/**
 * The leader host's code, loaded on demand by leader.ts (rollup.config.js LAZY_MODULES): the
 * election, the follower links and the leader's term. Only browsers without SharedWorker and a
 * usable Service Worker run it, so the client module does not carry it.
  */
import { TabmuxError } from '../../errors.js';
import { compareVersions } from '../../protocol/version.js';
import type { WiredPort } from '../deferred-link.js';
import { createElection, type Election } from './election.js';
import { createFollower, type Follower } from './follower.js';
import { startTerm, type Term } from './leader-term.js';
import { newLinkId } from './port-tunnel.js';
import { claimLock, electionLock, peerLock } from './protocol.js';
import { preferVisibleLeader } from './visible-leader.js';
import { startInPageHub } from '../in-page-hub.js';

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

function memberFor(name: string, version: string): Member {
  let member = members.get(name);
  if (member) return member;
  const self = thisPeer();
  const visible = preferVisibleLeader({
    document: globalThis.document,
    leading: () => election.role === 'leader' || election.role === 'starting',
    announce: () => member?.term?.announce(),
    // One visible page takes over, not every one: the others find the claim lock taken.
    claim: () =>
      void navigator.locks
        .request(claimLock(name), { ifAvailable: true }, async (lock) => {
          if (!lock || election.role !== 'following') return;
          election.steal();
          await election.settled();
        })
        .catch(() => undefined),
  });
  const election = createElection({
    lockName: electionLock(name),
    lead: async () => {
      const term = await startTerm(name, version, startInPageHub, () => visible.stale()).catch((error: unknown) => {
        member!.failure = new TabmuxError('TABMUX_ERR_NO_HOST', `this tab was elected leader but could not start the hub: ${String(error)}`);
        throw error;
      });
      member!.failure = undefined;
      member!.term = term;
      visible.started();
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
    onLeader: (leader, leaderVersion, hidden) => {
      member!.failure = undefined; // someone leads: this page can follow
      if (compareVersions(version, leaderVersion) > 0) election.steal();
      else visible.heard(leader, hidden);
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

/**
 * Wires `port` (the tab's hub end) to the hub of `name`: this page's own if it leads, else the
 * leader's. `version` is the client's TABMUX_VERSION, the one this page stands for in the election
 * (taken from the client module, which decides what this page is).
 */
export async function openLeader(name: string, port: MessagePort, version: string): Promise<WiredPort> {
  const member = memberFor(name, version);
  await member.election.settled();
  if (member.term) {
    member.term.serveLocal(port);
    return { close: () => port.close() };
  }
  if (member.failure) throw member.failure;
  return member.follower.link(port);
}
