/**
 * One term of this page as the leader: the in-page hub (the very Hub of the SharedWorker, loaded
 * on demand by in-page-hub.ts), its life locks, and the acceptor that serves the follower pages.
 * A term ends when the page steps down (frozen, or a newer version took over); a page that dies
 * ends it by itself, as the browser releases its locks.
 *
 * Two life locks, because a frozen page sits on any lock it is granted (its callback cannot run):
 * if this page's own tabs waited on the followers' lock, then on a step-down before a freeze the
 * lock would go to this (frozen) page first and every follower queued behind it would never learn
 * that the hub ended. So this page's tabs watch a lock of their own.
 */
import { serveTab } from '../../../worker/ports.js';
import { startInPageHub } from '../in-page-hub.js';
import { startAcceptor } from './acceptor.js';
import { newLinkId } from './port-tunnel.js';
import { hubLifeLock, peerLock } from './protocol.js';

export interface Term {
  readonly leader: string;
  /** Serves a tab of this very page: a plain local port, no tunnel (as the `direct` host). */
  serveLocal(port: MessagePort): void;
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

export async function startTerm(name: string, version: string): Promise<Term> {
  const leader = newLinkId();
  // Held for the whole term: tabs' connect.ts is granted it when the term ends, however it ends.
  const followersLock = holdLock(hubLifeLock(name, leader));
  const ownLock = holdLock(hubLifeLock(name, `${leader}:own`));
  const release = () => {
    followersLock.release();
    ownLock.release();
  };
  const hub = await startInPageHub({ kind: 'leader', watchTabs: true, hubLock: followersLock.held }).catch((error: unknown) => {
    release();
    throw error;
  });
  try {
    await Promise.all([followersLock.held, ownLock.held]);
  } catch (error) {
    hub.close();
    release();
    throw error;
  }
  const ownHost = { ...hub.host, hubLock: ownLock.held };
  const locals = new Set<MessagePort>();
  const acceptor = startAcceptor({
    name,
    leader,
    version,
    serve: (port) => hub.serve(port),
    // Shared mode: a frozen page granted it too cannot hold the others up.
    watchPeer: (peer, gone, signal) => void navigator.locks.request(peerLock(peer), { mode: 'shared', signal }, () => gone()).catch(() => undefined),
  });
  let ended = false;
  return {
    leader,
    serveLocal(port) {
      if (ended) return port.close();
      locals.add(port);
      serveTab(ownHost, port);
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
