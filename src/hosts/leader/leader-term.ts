/**
 * One term of this page as the leader: the in-page hub (the very Hub of the SharedWorker, loaded
 * on demand by in-page-hub.ts), its life locks, and the acceptor that serves the follower pages.
 * A term ends when the page steps down (frozen, or a newer version took over); a page that dies
 * ends it by itself, as the browser releases its locks.
 *
 * A life lock per page served (the `hubLock` of its tabs' hello), not one for all: a frozen page
 * sits on any lock it is granted, its callback cannot run, and Web Locks grants a queue in order.
 * With one lock, a frozen tab first in its queue (this page itself, frozen right after stepping
 * down, or any frozen follower) would keep every tab behind it from learning that the hub ended.
 * With one per page, a frozen page only holds itself up, and it re-attaches once it runs again.
 */
import type { InPageHub, InPageHubOptions } from '../../hub-protocol/in-page-hub.js';
import { startAcceptor } from './acceptor.js';
import { newLinkId } from './port-tunnel.js';
import { hubLifeLock, peerLock } from './protocol.js';

export interface Term {
  readonly leader: string;
  /** Serves a tab of this very page: a plain local port, no tunnel (as the `direct` host). */
  serveLocal(port: MessagePort): void;
  /** Announces this leader again (whether its page is `hidden` changed). */
  announce(): void;
  /** Ends the term: the upstream closes, the followers' links drop, the life locks are released. */
  close(): void;
}

interface HeldLock {
  /** Resolves with the name once held. */
  readonly held: Promise<string>;
  release(): void;
}

function holdLock(name: string): HeldLock {
  let release = () => undefined as void;
  const held = new Promise<string>((resolve, reject) => {
    navigator.locks
      .request(name, () => {
        resolve(name);
        return new Promise<void>((done) => (release = done));
      })
      .catch(reject);
  });
  held.catch(() => undefined);
  return { held, release: () => release() };
}

/**
 * Starts a term. `startHub` is in-page-hub.ts's `startInPageHub`, which loads the in-page hub;
 * `hidden` says whether this page has been hidden long enough to hand over (visible-leader.ts).
 */
export async function startTerm(name: string, version: string, startHub: (options: InPageHubOptions) => InPageHub | Promise<InPageHub>, hidden?: () => boolean): Promise<Term> {
  const leader = newLinkId();
  // Held for the whole term: tabs' connect.ts is granted them when the term ends, however it ends.
  const lifeLocks = new Map<string, HeldLock>();
  const lifeLock = (peer: string) => {
    let lock = lifeLocks.get(peer);
    if (!lock) lifeLocks.set(peer, (lock = holdLock(hubLifeLock(name, `${leader}:${peer}`))));
    return lock;
  };
  const own = lifeLock('own');
  const release = () => {
    for (const lock of lifeLocks.values()) lock.release();
    lifeLocks.clear();
  };
  let hub: InPageHub;
  try {
    hub = await startHub({ kind: 'leader', watchTabs: true });
    await own.held;
  } catch (error) {
    release();
    throw error;
  }
  /** Serves a tab with its page's life lock as the hub lock of its hello. */
  const serve = (port: MessagePort, lock: HeldLock) => hub.serve(port, lock.held);
  const locals = new Set<MessagePort>();
  const acceptor = startAcceptor({
    name,
    leader,
    version,
    serve: (port, peer) => serve(port, lifeLock(peer)),
    dropped: (peer) => {
      lifeLocks.get(peer)?.release();
      lifeLocks.delete(peer);
    },
    // Shared mode: a frozen page granted it too cannot hold the others up.
    watchPeer: (peer, gone, signal) => void navigator.locks.request(peerLock(peer), { mode: 'shared', signal }, () => gone()).catch(() => undefined),
    ...(hidden && { hidden }),
  });
  let ended = false;
  return {
    leader,
    announce: () => {
      if (!ended) acceptor.announce();
    },
    serveLocal(port) {
      if (ended) return port.close();
      locals.add(port);
      serve(port, own);
    },
    close() {
      if (ended) return;
      ended = true;
      try {
        // Links first: the hub's last words ('closed') must not reach tabs that will re-attach.
        acceptor.close();
        for (const port of locals) port.close();
        hub.close();
      } finally {
        release();
      }
    },
  };
}
