/**
 * The page <-> in-page hub contract of the `direct` and `leader` hosts. The hub that runs inside a
 * page is the SharedWorker's very Hub (worker/runtimes/in-page.ts), built on its own to
 * dist/tabmux-in-page-hub.js and loaded on demand next to the client module: most pages run their
 * hub in a worker and never pay for it (README, Size). The page knows that module only by this
 * shape, as it knows the worker script only by its URL.
 */

export interface InPageHubOptions {
  readonly kind: 'direct' | 'leader';
  /** Watch the attached tabs' liveness locks (leader: other tabs attach and may die). */
  readonly watchTabs: boolean;
}

export interface InPageHub {
  /**
   * Serves one tab's control plane (Comlink) on `port`, as a SharedWorker does on connect.
   * `hubLock`: a lock held for as long as this hub serves that tab; the tab learns of the hub's
   * end by being granted it (a leader holds one per page it serves). Returns the wired port
   * (src/hosts/deferred-link.ts): `direct` takes what its tab posts in the tab's own task (`send`),
   * so a one-tab acknowledgement leaves with the handler that made it (README, One tab per message).
   */
  serve(port: MessagePort, hubLock?: Promise<string>): InPageServed;
  /** Closes the hub (its upstream with it), e.g. when a leader steps down. */
  close(): void;
}

/** A tab served by an in-page hub (the shape of src/hosts/deferred-link.ts's WiredPort). */
export interface InPageServed {
  readonly send?: (data: unknown, transfer: Transferable[]) => void;
  close(): void;
}

/** What dist/tabmux-in-page-hub.js exports. */
export interface InPageHubModule {
  /** A promise for `direct`, which loads a module of its own first (worker/runtimes/direct.ts). */
  startInPageHub(options: InPageHubOptions): InPageHub | Promise<InPageHub>;
}
