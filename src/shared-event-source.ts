/**
 * SharedEventSource: `new EventSource(url)` → `new SharedEventSource(url)`, and every tab of the
 * origin that opens the same URL (same credentials mode) shares ONE upstream request, held by the
 * tabmux hub. Each tab sees exactly the events a native EventSource would have dispatched from the
 * moment it was created; earlier events are not replayed (history is the server's business).
 *
 * Where SharedWorker is missing, it is a native EventSource underneath: same behaviour, one
 * connection per tab.
 */
import { DEFAULT_WORKER_URL, canUseSharedWorker, hubLink, type HubLink } from './event-source/hub-link.js';
import type { HubToTab } from './protocol/event-source.js';

export interface SharedEventSourceInit extends EventSourceInit {
  /** URL of the tabmux hub script on this page's origin. */
  readonly worker?: string | URL;
}

type Handler = ((this: SharedEventSource, event: Event) => unknown) | null;
type HandlerType = 'open' | 'message' | 'error';

export class SharedEventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;

  readonly url: string;
  readonly withCredentials: boolean;
  #readyState: 0 | 1 | 2 = 0;
  #link: HubLink | undefined;
  #sid = 0;
  #native: EventSource | undefined;
  readonly #handlers = new Map<HandlerType, Handler>();

  constructor(url: string | URL, init: SharedEventSourceInit = {}) {
    super();
    let parsed: URL;
    try {
      parsed = new URL(String(url), document.baseURI);
    } catch {
      // What the native constructor throws for an unparsable URL.
      throw new DOMException(`Failed to construct 'SharedEventSource': The URL '${String(url)}' is invalid.`, 'SyntaxError');
    }
    this.url = parsed.href;
    this.withCredentials = init.withCredentials === true;
    if (!canUseSharedWorker()) {
      this.#useNative();
      return;
    }
    const link = hubLink(String(init.worker ?? DEFAULT_WORKER_URL));
    this.#link = link;
    this.#sid = link.register((message) => this.#receive(message));
    link.send({ type: 'es-open', sid: this.#sid, url: this.url, withCredentials: this.withCredentials });
  }

  get readyState(): 0 | 1 | 2 {
    return this.#native ? (this.#native.readyState as 0 | 1 | 2) : this.#readyState;
  }

  get onopen(): Handler {
    return this.#handlers.get('open') ?? null;
  }
  set onopen(handler: Handler) {
    this.#setHandler('open', handler);
  }
  get onmessage(): Handler {
    return this.#handlers.get('message') ?? null;
  }
  set onmessage(handler: Handler) {
    this.#setHandler('message', handler);
  }
  get onerror(): Handler {
    return this.#handlers.get('error') ?? null;
  }
  set onerror(handler: Handler) {
    this.#setHandler('error', handler);
  }

  close(): void {
    if (this.#native) {
      this.#native.close();
      return;
    }
    if (this.#readyState === 2) return;
    this.#readyState = 2;
    this.#detach();
  }

  /** Like an event handler attribute: one listener per type, added when first set. */
  #setHandler(type: HandlerType, handler: Handler): void {
    if (!this.#handlers.has(type)) {
      this.addEventListener(type, (event) => this.#handlers.get(type)?.call(this, event));
    }
    this.#handlers.set(type, typeof handler === 'function' ? handler : null);
  }

  #isClosed(): boolean {
    return this.#readyState === 2;
  }

  #detach(): void {
    if (this.#link === undefined) return;
    this.#link.send({ type: 'es-close', sid: this.#sid });
    this.#link.unregister(this.#sid);
    this.#link = undefined;
  }

  #receive(message: HubToTab): void {
    if (this.#isClosed()) return; // closed by the page: nothing more is dispatched
    switch (message.type) {
      case 'es-open':
        this.#readyState = 1;
        this.dispatchEvent(new Event('open'));
        return;
      case 'es-error':
        this.#readyState = message.readyState;
        if (message.readyState === 2) this.#detach();
        this.dispatchEvent(new Event('error'));
        return;
      case 'es-events':
        for (const event of message.events) {
          // A listener may call close() mid-batch; a native EventSource dispatches nothing after.
          if (this.#isClosed()) return;
          this.dispatchEvent(new MessageEvent(event.type, { data: event.data, lastEventId: event.lastEventId, origin: event.origin }));
        }
        return;
      default: {
        const never: never = message;
        void never;
      }
    }
  }

  #useNative(): void {
    const native = new EventSource(this.url, { withCredentials: this.withCredentials });
    this.#native = native;
    const forward = (event: Event) => {
      const copy =
        event instanceof MessageEvent
          ? new MessageEvent(event.type, { data: event.data, lastEventId: event.lastEventId, origin: event.origin })
          : new Event(event.type);
      this.dispatchEvent(copy);
    };
    // A native EventSource cannot list the event types it will see; forward the three it
    // always may fire, and any other type once a listener asks for it.
    for (const type of ['open', 'message', 'error']) native.addEventListener(type, forward);
    const known = new Set(['open', 'message', 'error']);
    const add = this.addEventListener.bind(this);
    this.addEventListener = (type: string, ...rest: [EventListenerOrEventListenerObject | null, (boolean | AddEventListenerOptions)?]) => {
      if (!known.has(type)) {
        known.add(type);
        native.addEventListener(type, forward);
      }
      add(type, ...rest);
    };
  }
}
