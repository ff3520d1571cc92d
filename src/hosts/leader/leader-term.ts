/**
 * One term of this page as the leader: the in-page hub (the very Hub of the SharedWorker, loaded
 * on demand by in-page-hub.ts), its life lock, and the acceptor that serves the follower pages.
 * A term ends when the page steps down (frozen, or a newer version took over); a page that dies
 * ends it by itself, as the browser releases its locks.
 */
import { startInPageHub } from '../in-page-hub.js';
import { startAcceptor } from './acceptor.js';
import { newLinkId } from './port-tunnel.js';
import { hubLifeLock, peerLock } from './protocol.js';

export interface Term {
  readonly leader: string;
  /** Serves a tab of this very page: a plain local port, no tunnel (as the `direct` host). */
  serveLocal(port: MessagePort): void;
  /** Ends the term: the upstream closes, the followers' links drop, the life lock is released. */
  close(): void;
}

export async function startTerm(name: string, version: string): Promise<Term> {
  const leader = newLinkId();
  let releaseLifeLock = () => undefined as void;
  // Held for the whole term: followers' connect.ts is granted it when the term ends, however it ends.
  const lifeLock = new Promise<string>((resolve, reject) => {
    const lockName = hubLifeLock(name, leader);
    navigator.locks
      .request(lockName, () => {
        resolve(lockName);
        return new Promise<void>((release) => (releaseLifeLock = release));
      })
      .catch(reject);
  });
  const hub = await startInPageHub({ kind: 'leader', watchTabs: true, hubLock: lifeLock });
  try {
    await lifeLock;
  } catch (error) {
    hub.close();
    throw error;
  }
  const locals = new Set<MessagePort>();
  const acceptor = startAcceptor({
    name,
    leader,
    version,
    serve: (port) => hub.serve(port),
    watchPeer: (peer, gone, signal) => void navigator.locks.request(peerLock(peer), { signal }, () => gone()).catch(() => undefined),
  });
  let ended = false;
  return {
    leader,
    serveLocal(port) {
      if (ended) return port.close();
      locals.add(port);
      hub.serve(port);
    },
    close() {
      if (ended) return;
      ended = true;
      // Links first: the hub's last words ('closed') must not reach tabs that will re-attach.
      acceptor.close();
      for (const port of locals) port.close();
      hub.close();
      releaseLifeLock();
    },
  };
}
