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

// The DOM's own types (lib.dom.d.ts `EventSource`), so that a SharedEventSource type-checks
// wherever an EventSource is expected: the same handler and listener signatures, `this` included.
type Handler = ((this: EventSource, event: Event) => unknown) | null;
type MessageHandler = ((this: EventSource, event: MessageEvent) => unknown) | null;
type HandlerType = 'open' | 'message' | 'error';
type Listener<K extends keyof EventSourceEventMap> = (this: EventSource, event: EventSourceEventMap[K]) => unknown;
type AnyListener = (this: EventSource, event: MessageEvent) => unknown;

const loadEngine = lazyModule('tabmux-event-source.js', () => import('./event-source/engine.js'));

/**
 * `removeEventListener` with EventSource's overloads: declared here rather than overridden in
 * the class, which would add bytes to every page for a signature.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- overloads of a method the class inherits from EventTarget
export interface SharedEventSource {
  removeEventListener<K extends keyof EventSourceEventMap>(type: K, listener: Listener<K>, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: AnyListener, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class SharedEventSource extends EventTarget implements EventSource, EngineSource {
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
  readonly #handlers = new Map<HandlerType, Handler | MessageHandler>();

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
    return (this.#handlers.get('open') as Handler | undefined) ?? null;
  }
  set onopen(handler: Handler) {
    this.#setHandler('open', handler);
  }
  get onmessage(): MessageHandler {
    return (this.#handlers.get('message') as MessageHandler | undefined) ?? null;
  }
  set onmessage(handler: MessageHandler) {
    this.#setHandler('message', handler);
  }
  get onerror(): Handler {
    return (this.#handlers.get('error') as Handler | undefined) ?? null;
  }
  set onerror(handler: Handler) {
    this.#setHandler('error', handler);
  }

  override addEventListener<K extends keyof EventSourceEventMap>(type: K, listener: Listener<K>, options?: boolean | AddEventListenerOptions): void;
  override addEventListener(type: string, listener: AnyListener, options?: boolean | AddEventListenerOptions): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | AnyListener | null, options?: boolean | AddEventListenerOptions): void {
    this.#types.add(type);
    this.#engine?.listen(type);
    super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  close(): void {
    if (this.#readyState === 2) return;
    this.#readyState = 2;
    this.#engine?.close();
  }

  /** Like an event handler attribute: one listener per type, added when first set. */
  #setHandler(type: HandlerType, handler: Handler | MessageHandler): void {
    if (!this.#handlers.has(type)) {
      this.addEventListener(type, (event: Event) => (this.#handlers.get(type) as Handler)?.call(this, event));
    }
    this.#handlers.set(type, typeof handler === 'function' ? handler : null);
  }
}
