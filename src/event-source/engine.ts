/**
 * The engine of SharedEventSource, which the class (../shared-event-source.ts, in the client
 * module every page loads) imports on demand: built on its own to dist/tabmux-event-source.js
 * (rollup.config.js LAZY_MODULES), so a page that only calls `connect()` does not download it
 * (the client's 6 KiB budget, README Size). The class is a correct EventSource from its constructor on; the
 * engine, once loaded, makes it connect: through the tabmux hub where SharedWorker exists, else
 * through a native EventSource (native.ts).
 */
import type { HubToTab } from '../hub-protocol/event-source.js';
import { canUseSharedWorker, hubLink } from './hub-link.js';
import { nativeEngine } from './native.js';

export type ReadyState = 0 | 1 | 2;

/** What the engine drives: the page's SharedEventSource. */
export interface EngineSource extends EventTarget {
  readonly url: string;
  readonly withCredentials: boolean;
  readonly readyState: ReadyState;
}

export interface EngineOptions {
  /** URL of the hub script (`init.worker`), as the page gave it; resolved against the document. */
  readonly worker: string;
  /** Event types the page listens to so far (the native engine must forward them). */
  readonly types: Iterable<string>;
  /** Sets the source's readyState; the engine then dispatches the matching event. */
  setState(state: ReadyState): void;
}

export interface Engine {
  /** The page called `close()` (the source is already CLOSED): nothing is dispatched any more. */
  close(): void;
  /** The page added a listener for `type`. */
  listen(type: string): void;
}

export function startEngine(source: EngineSource, options: EngineOptions): Engine {
  // Where SharedWorker is missing, a native EventSource: same behaviour, one connection per tab.
  return canUseSharedWorker() ? hubEngine(source, options) : nativeEngine(source, options);
}

function hubEngine(source: EngineSource, { worker, setState }: EngineOptions): Engine {
  let link: ReturnType<typeof hubLink> | undefined = hubLink(worker);
  const closed = () => source.readyState === 2;
  const detach = () => {
    if (link === undefined) return;
    link.send({ type: 'es-close', sid });
    link.unregister(sid);
    link = undefined;
  };
  const receive = (message: HubToTab) => {
    if (closed()) return; // closed by the page: nothing more is dispatched
    switch (message.type) {
      case 'es-open':
        setState(1);
        source.dispatchEvent(new Event('open'));
        return;
      case 'es-error':
        setState(message.readyState);
        if (message.readyState === 2) detach();
        source.dispatchEvent(new Event('error'));
        return;
      case 'es-events':
        for (const event of message.events) {
          // A listener may call close() mid-batch; a native EventSource dispatches nothing after.
          if (closed()) return;
          source.dispatchEvent(new MessageEvent(event.type, { data: event.data, lastEventId: event.lastEventId, origin: event.origin }));
        }
        return;
      default: {
        const never: never = message;
        void never;
      }
    }
  };
  const sid = link.register(receive);
  link.send({ type: 'es-open', sid, url: source.url, withCredentials: source.withCredentials });
  // The hub sends every event type of the stream: nothing to do per listener.
  return { close: detach, listen: () => undefined };
}
