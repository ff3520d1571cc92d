/**
 * The hub's SharedEventSource service: a registry of shared upstreams keyed by (URL, credentials
 * mode), and the per-tab port that attaches sources to them.
 */
import { EventSourceUpstream, type UpstreamPlatform, type UpstreamSink } from './event-source-upstream.js';
import type { HubAlive, HubToTab, TabToHub } from '../../src/hub-protocol/event-source.js';

export interface EventSourcePort {
  postMessage(message: HubToTab | HubAlive): void;
}

export class EventSourceRegistry {
  private readonly upstreams = new Map<string, EventSourceUpstream>();

  constructor(private readonly platform: UpstreamPlatform) {}

  /** Number of live upstream requests (for debug and tests). */
  get size(): number {
    return this.upstreams.size;
  }

  /**
   * `lastEventId`: a source coming back from a dead hub. A new upstream sends it as
   * `Last-Event-ID`; an open one first gives the source what it dispatched after it.
   */
  attach(url: string, withCredentials: boolean, sink: UpstreamSink, lastEventId = ''): EventSourceUpstream {
    const key = `${withCredentials ? 'include' : 'same-origin'} ${url}`;
    let upstream = this.upstreams.get(key);
    if (upstream === undefined) {
      upstream = new EventSourceUpstream(url, withCredentials, this.platform, (done) => {
        if (this.upstreams.get(key) === done) this.upstreams.delete(key);
      }, lastEventId);
      this.upstreams.set(key, upstream);
    }
    upstream.attach(sink, lastEventId);
    return upstream;
  }
}

/**
 * Serves one tab: every SharedEventSource the tab opens. `release()` detaches them all — called
 * when the tab is known to be gone (its Web Lock was released), since a MessagePort has no close
 * event in most browsers.
 */
export function serveEventSourceTab(
  registry: EventSourceRegistry,
  port: EventSourcePort,
  /** Calls `gone` once the tab that holds `lockName` has gone (see src/event-source/hub-link.ts). */
  watchTab: (lockName: string, gone: () => void) => void,
  /** The lock this hub holds for its life, resolved once held: told to the tab in answer to its hello. */
  hubLock?: Promise<string>,
) {
  const sources = new Map<number, { upstream: EventSourceUpstream; sink: UpstreamSink }>();

  function open(sid: number, url: string, withCredentials: boolean, lastEventId?: string): void {
    if (sources.has(sid)) return;
    const sink: UpstreamSink = {
      open: () => port.postMessage({ type: 'es-open', sid }),
      error: (readyState) => {
        if (readyState === 2) sources.delete(sid);
        port.postMessage({ type: 'es-error', sid, readyState });
      },
      events: (events) => port.postMessage({ type: 'es-events', sid, events }),
    };
    sources.set(sid, { upstream: registry.attach(url, withCredentials, sink, lastEventId), sink });
  }

  function close(sid: number): void {
    const source = sources.get(sid);
    if (source === undefined) return;
    sources.delete(sid);
    source.upstream.detach(source.sink);
  }

  return {
    handle(message: TabToHub): void {
      switch (message.type) {
        case 'es-hello':
          watchTab(message.lockName, () => this.release());
          void hubLock?.then((lockName) => port.postMessage({ type: 'es-hub', lockName }));
          return;
        case 'es-open':
          open(message.sid, message.url, message.withCredentials, typeof message.lastEventId === 'string' ? message.lastEventId : undefined);
          return;
        case 'es-close':
          close(message.sid);
          return;
        default: {
          const never: never = message;
          void never;
        }
      }
    },
    release(): void {
      for (const sid of [...sources.keys()]) close(sid);
    },
  };
}
