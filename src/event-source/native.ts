/**
 * SharedEventSource where SharedWorker is missing: a native EventSource underneath, whose events
 * are re-dispatched on the page's source (one connection per tab, as without tabmux).
 */
import type { Engine, EngineOptions, EngineSource, ReadyState } from './engine.js';

export function nativeEngine(source: EngineSource, { types, setState }: EngineOptions): Engine {
  const native = new EventSource(source.url, { withCredentials: source.withCredentials });
  const forward = (event: Event) => {
    // The native one changes readyState only as it fires open or error (WHATWG HTML §9.2 "announce
    // the connection", "reestablish the connection", "fail the connection"), so taking it here,
    // before re-dispatching, shows the page the very readyState the native listeners see.
    setState(native.readyState as ReadyState);
    source.dispatchEvent(
      event instanceof MessageEvent
        ? new MessageEvent(event.type, { data: event.data, lastEventId: event.lastEventId, origin: event.origin })
        : new Event(event.type),
    );
  };
  // A native EventSource cannot list the event types it will see; forward the three it always may
  // fire, and any other type once a listener asks for it.
  const known = new Set<string>();
  const listen = (type: string) => {
    if (known.has(type)) return;
    known.add(type);
    native.addEventListener(type, forward);
  };
  for (const type of ['open', 'message', 'error', ...types]) listen(type);
  return { close: () => native.close(), listen };
}
