/**
 * The tab's one link to the hub for all its SharedEventSources: a port to the SharedWorker, plus
 * a Web Lock held for the tab's whole life. The hub waits on that lock: it is granted to the hub
 * the moment the tab closes, crashes or navigates away — the signal a MessagePort does not give.
 *
 * The other way round, the hub answers `es-hello` with the name of the lock it holds for ITS life.
 * When the browser kills the hub (a crash, the DevTools), the tab is granted that lock, and does
 * what a native EventSource does on a network error: `error` with readyState CONNECTING to every
 * source, then it reconnects — each source re-attaches to a fresh hub with its last event id,
 * which the new upstream sends as `Last-Event-ID`.
 */
import { EVENT_SOURCE_WORKER_NAME, type HubAlive, type HubToTab, type TabToHub } from '../hub-protocol/event-source.js';
import { holdTabLock, whenReleased } from '../tab-lock.js';

export interface HubLink {
  send(message: TabToHub): void;
  /** Registers the receiver of one source's messages; returns its sid. */
  register(receiver: (message: HubToTab) => void): number;
  unregister(sid: number): void;
}

/**
 * After a hub died, a fresh one that has not answered `es-hello` by then is asked again on a new
 * SharedWorker (doubling, at most RESTART_TRIES times): Chromium can drop without a word a connect
 * that reaches an instance as it ends (src/hosts/shared-worker.ts says more). Not connect()'s
 * src/say-hello.ts race, which keeps every attempt open until one answers: here the sources are
 * attached with the hello and events are routed by sid whatever the port, so two live ports on
 * one slow hub would deliver each event twice. The port given up on is detached and closed first.
 */
const RESTART_ANSWER_MS = 1000;
const RESTART_TRIES = 4;

type OpenMessage = Extract<TabToHub, { type: 'es-open' }>;

const links = new Map<string, HubLink>();

export function canUseSharedWorker(): boolean {
  return typeof SharedWorker === 'function' && typeof navigator !== 'undefined' && navigator.locks !== undefined;
}

export function hubLink(workerUrl: string): HubLink {
  const href = new URL(workerUrl, document.baseURI).href;
  let link = links.get(href);
  if (link !== undefined) return link;

  const receivers = new Map<number, (message: HubToTab) => void>();
  /** The sources attached now, as sent, with the last event id each saw: what a fresh hub is told. */
  const opens = new Map<number, OpenMessage>();
  let nextSid = 1;
  // The tab's liveness lock, as connect()'s (tab-lock.ts). randomUUID is there: Web Locks, which
  // canUseSharedWorker() requires, exist only in secure contexts, like randomUUID.
  const lock = holdTabLock(`tabmux-tab:${crypto.randomUUID()}`);
  let port: MessagePort;

  const route = (message: HubToTab): void => {
    if (message.type === 'es-events') {
      const last = message.events.at(-1);
      const open = opens.get(message.sid);
      if (last && open) opens.set(message.sid, { ...open, lastEventId: last.lastEventId });
    } else if (message.type === 'es-error' && message.readyState === 2) {
      opens.delete(message.sid); // failed for good: a fresh hub must not reopen it
    }
    receivers.get(message.sid)?.(message);
  };

  /** Opens a port to the hub (a fresh one after a death), says hello, re-attaches every source. */
  const attach = (tries: number): void => {
    const worker = new SharedWorker(href, { name: EVENT_SOURCE_WORKER_NAME });
    port = worker.port;
    const ours = port;
    let answered = false;
    ours.onmessage = (event: MessageEvent<HubToTab | HubAlive>) => {
      const message = event.data;
      if (message.type !== 'es-hub') return route(message);
      answered = true;
      // Granted when the hub dies; a port we gave up on meanwhile is not ours to act on.
      void whenReleased(message.lockName).then(() => ours === port && restart());
    };
    ours.start();
    for (const open of opens.values()) ours.postMessage(open);
    // Held until the page goes away; the hub's request for the same name then succeeds. The hub
    // learns the name only once the lock is ours: told earlier, it could win the lock first and
    // take a live tab for gone.
    void lock.held.then(() => ours.postMessage({ type: 'es-hello', lockName: lock.name } satisfies TabToHub));
    if (tries > 0) {
      setTimeout(() => {
        if (answered || ours !== port) return;
        // Detach our sources there in case that hub is merely slow, then ask a new one.
        for (const sid of opens.keys()) ours.postMessage({ type: 'es-close', sid } satisfies TabToHub);
        ours.close();
        attach(tries - 1);
      }, RESTART_ANSWER_MS * 2 ** (RESTART_TRIES - tries));
    }
  };

  const restart = (): void => {
    port.close();
    // What a native EventSource dispatches on a network error, then it reconnects (§9.2.3).
    for (const sid of opens.keys()) receivers.get(sid)?.({ type: 'es-error', sid, readyState: 0 });
    attach(RESTART_TRIES);
  };

  attach(0);
  link = {
    send: (message) => {
      if (message.type === 'es-open') opens.set(message.sid, message);
      else if (message.type === 'es-close') opens.delete(message.sid);
      port.postMessage(message);
    },
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
