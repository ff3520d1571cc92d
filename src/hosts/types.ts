/**
 * A host runs the hub somewhere and hands the tab an endpoint to talk to it (the shape of
 * pubkey/broadcast-channel's methods: every host exports the same object, the chooser takes the
 * first whose `canBeUsed()` is true).
 */
import type { Endpoint } from 'comlink';
import type { HostKind } from '../hub-protocol/hub-api.js';
import type { TabLifecycle } from '../hub-protocol/lifecycle.js';

export interface HostOpenOptions {
  /** URL of the hub script on this origin (shared-worker, service-worker). */
  readonly workerUrl: string;
  /** One hub per name: derived from the server URL and transport. */
  readonly name: string;
  /** The tab's page state (src/page-lifecycle.ts): the service-worker host keeps its worker awake by it. */
  readonly lifecycle?: () => TabLifecycle;
}

export interface HostLink {
  readonly kind: HostKind;
  /** Comlink endpoint of the hub's control plane for this tab. */
  readonly endpoint: Endpoint;
  /** Rejects if the host fails to start (e.g. the hub script does not load). */
  readonly failed: Promise<never>;
  /** Called once the hub answered hello: start-up watchdogs can stop. */
  answered?(): void;
  /**
   * True once the link knows its hub has ended (a Service Worker the browser stopped while the page
   * was hidden): a call posted now reaches no hub, so it was provably not made, and can be made
   * again on the next hub.
   */
  hubEnded?(): boolean;
  close(): void;
}

export interface Host {
  readonly kind: HostKind;
  canBeUsed(): boolean;
  /**
   * Why `canBeUsed()` is false, as a short stable sentence for `mux.debug().hostChoice`
   * ("SharedWorker is not defined in this browser", "not a secure context").
   */
  whyNot?(): string;
  /**
   * A hello unanswered after this many ms is said again on a fresh link (then at doubling
   * intervals, up to the hello timeout): for a host whose start can be lost without an error.
   */
  readonly retryHelloMs?: number;
  open(options: HostOpenOptions): HostLink;
}
