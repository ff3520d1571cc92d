/**
 * The tab's one link to the hub for all its SharedEventSources: a port to the SharedWorker, plus
 * a Web Lock held for the tab's whole life. The hub waits on that lock: it is granted to the hub
 * the moment the tab closes, crashes or navigates away — the signal a MessagePort does not give.
 */
import { EVENT_SOURCE_WORKER_NAME, type HubToTab, type TabToHub } from '../protocol/event-source.js';
import { holdTabLock } from '../tab-lock.js';

export interface HubLink {
  send(message: TabToHub): void;
  /** Registers the receiver of one source's messages; returns its sid. */
  register(receiver: (message: HubToTab) => void): number;
  unregister(sid: number): void;
}

/** Default URL of the hub script on the page's own origin (CONTRACT.md). */
export const DEFAULT_WORKER_URL = '/tabmux-worker.js';

const links = new Map<string, HubLink>();

export function canUseSharedWorker(): boolean {
  return typeof SharedWorker === 'function' && typeof navigator !== 'undefined' && navigator.locks !== undefined;
}

export function hubLink(workerUrl: string): HubLink {
  const href = new URL(workerUrl, document.baseURI).href;
  let link = links.get(href);
  if (link !== undefined) return link;

  const worker = new SharedWorker(href, { name: EVENT_SOURCE_WORKER_NAME });
  const port = worker.port;
  const receivers = new Map<number, (message: HubToTab) => void>();
  let nextSid = 1;
  // The tab's liveness lock, as connect()'s (tab-lock.ts). randomUUID is there: Web Locks, which
  // canUseSharedWorker() requires, exist only in secure contexts, like randomUUID.
  const lock = holdTabLock(`tabmux-tab:${crypto.randomUUID()}`);
  port.onmessage = (event: MessageEvent<HubToTab>) => receivers.get(event.data.sid)?.(event.data);
  port.start();
  // Held until the page goes away; the hub's request for the same name then succeeds. The hub
  // learns the name only once the lock is ours: told earlier, it could win the lock first and
  // take a live tab for gone.
  void lock.held.then(() => port.postMessage({ type: 'es-hello', lockName: lock.name } satisfies TabToHub));

  link = {
    send: (message) => port.postMessage(message),
    register(receiver) {
      const sid = nextSid++;
      receivers.set(sid, receiver);
      return sid;
    },
    unregister(sid) {
      receivers.delete(sid);
    },
  };
  links.set(href, link);
  return link;
}
