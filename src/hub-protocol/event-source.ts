/**
 * Tab ↔ hub messages for SharedEventSource (types, and the worker name). One MessagePort per tab carries every
 * SharedEventSource of that tab, each named by a tab-chosen `sid`.
 *
 * The hub holds one upstream per (absolute URL, credentials mode) — exactly what two native
 * EventSources would have had to open separately — and replays to each attached source what the
 * browser's own EventSource would have dispatched.
 */
/**
 * The SharedWorker name under which the hub script runs the SharedEventSource service: a worker
 * instance of its own (one per origin), apart from connect()'s hubs, which are named per server.
 */
export const EVENT_SOURCE_WORKER_NAME = 'tabmux:event-source';

export type TabToHub =
  /** First message on a tab's port: the name of the Web Lock the tab holds for its whole life. */
  | { readonly type: 'es-hello'; readonly lockName: string }
  /**
   * Attach source `sid` to the upstream of (url, credentials). `lastEventId`: the source's last
   * event id when it re-attaches to a fresh hub (the previous one died): a new upstream sends it
   * as `Last-Event-ID`, as a native EventSource reconnecting would.
   */
  | { readonly type: 'es-open'; readonly sid: number; readonly url: string; readonly withCredentials: boolean; readonly lastEventId?: string }
  | { readonly type: 'es-close'; readonly sid: number };

/** readyState values, as EventSource.CONNECTING / OPEN / CLOSED. */
export type ReadyState = 0 | 1 | 2;

export interface DispatchedEvent {
  readonly type: string;
  readonly data: string;
  readonly lastEventId: string;
  readonly origin: string;
}

/**
 * The hub's answer to `es-hello`: the Web Lock it holds for its life. The tab waits for it and is
 * granted it when the hub dies (crashed, killed), then re-attaches its sources to a fresh hub.
 */
export interface HubAlive {
  readonly type: 'es-hub';
  readonly lockName: string;
}

/** What one source receives (routed by `sid`). */
export type HubToTab =
  /** Fire `open` (readyState OPEN). */
  | { readonly type: 'es-open'; readonly sid: number }
  /** Fire `error`; `readyState` is CONNECTING (will reconnect) or CLOSED (failed for good). */
  | { readonly type: 'es-error'; readonly sid: number; readonly readyState: ReadyState }
  /** Events dispatched by one chunk of the stream, in order (batched: one postMessage per chunk). */
  | { readonly type: 'es-events'; readonly sid: number; readonly events: readonly DispatchedEvent[] };
