/**
 * SharedEventSource: `new EventSource(url)` → `new SharedEventSource(url)`, and every tab of the
 * origin that opens the same URL (same credentials mode) shares ONE upstream request, held by the
 * tabmux hub. Each tab sees exactly the events a native EventSource would have dispatched from the
 * moment it was created; earlier events are not replayed (history is the server's business).
 *
 * This class is the part every page loads with the client module: an EventSource from its
 * constructor on (URL check, `url`, `withCredentials`, `readyState`, handlers, listeners, `close()`
 * at any time). What connects is its engine (event-source/engine.ts), imported on demand from
 * next to the client module (dist/tabmux-event-source.js), so that pages which only `connect()`
 * do not pay for it (the client's 6 KiB budget, README Size). Until it has loaded the source stays CONNECTING, as
 * a native one does until its response arrives; closed meanwhile, it never connects.
 */
import type { Engine, EngineSource, ReadyState } from './event-source/engine.js';
import { lazyModule } from './hosts/lazy-module.js';

export interface SharedEventSourceInit extends EventSourceInit {
  /** URL of the tabmux hub script on this page's origin. */
  readonly worker?: string | URL;
}

type Handler = ((this: SharedEventSource, event: Event) => unknown) | null;
type HandlerType = 'open' | 'message' | 'error';

const loadEngine = lazyModule('tabmux-event-source.js', () => import('./event-source/engine.js'));

export class SharedEventSource extends EventTarget implements EngineSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;

  readonly url: string;
  readonly withCredentials: boolean;
  #readyState: ReadyState = 0;
  #engine: Engine | undefined;
  /** Event types listened to, for the native engine (it must ask its EventSource for each). */
  readonly #types = new Set<string>();
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
    const worker = String(init.worker ?? '/tabmux-worker.js'); // the default in the README
    loadEngine().then(
      ({ startEngine }) => {
        if (this.#readyState === 2) return; // closed before the engine came: never connects
        this.#engine = startEngine(this, { worker, types: this.#types, setState: (state) => (this.#readyState = state) });
      },
      (error: unknown) => {
        // The engine's file did not load (not served next to the client module): the source can
        // never connect, which a native EventSource answers by "fail the connection" (WHATWG HTML
        // §9.2.3): readyState CLOSED, then `error`. The cause goes to the console for the developer.
        console.error(error);
        if (this.#readyState === 2) return;
        this.#readyState = 2;
        this.dispatchEvent(new Event('error'));
      },
    );
  }

  get readyState(): ReadyState {
    return this.#readyState;
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

  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void {
    this.#types.add(type);
    this.#engine?.listen(type);
    super.addEventListener(type, listener, options);
  }

  close(): void {
    if (this.#readyState === 2) return;
    this.#readyState = 2;
    this.#engine?.close();
  }

  /** Like an event handler attribute: one listener per type, added when first set. */
  #setHandler(type: HandlerType, handler: Handler): void {
    if (!this.#handlers.has(type)) {
      this.addEventListener(type, (event) => this.#handlers.get(type)?.call(this, event));
    }
    this.#handlers.set(type, typeof handler === 'function' ? handler : null);
  }
}
