/**
 * A host link whose hub side is wired later: the tab gets its endpoint at once (Host.open is
 * synchronous) while the host loads or starts its hub — the in-page hub imported on demand, an
 * election, a Service Worker registration.
 */
import { TabmuxError } from '../errors.js';
import type { ClientErrorCode, HostKind } from '../hub-protocol/hub-api.js';
import type { HostLink } from './types.js';

export interface WiredPort {
  /** Rejects if the host fails after wiring; omitted: it does not. */
  readonly failed?: Promise<never>;
  /**
   * Takes what the tab posts at once, in the tab's own task, from the hub's answer on (before it,
   * everything goes through the port, in order). For a host that relays the port in this very page
   * (leader): a page busy in a long task, then closed, would otherwise never send what it queued
   * meanwhile — one-tab acknowledgements among it (README, One tab per message).
   */
  readonly send?: (data: unknown, transfer: Transferable[]) => void;
  close(): void;
}

/** `wire` gets the hub's end of a fresh MessageChannel; a rejection of it fails the link. */
export function deferredLink(kind: HostKind, wire: (port: MessagePort) => Promise<WiredPort>): HostLink {
  const { port1, port2 } = new MessageChannel();
  // What the tab posts to port1 meanwhile waits in port2's queue until the hub side starts it.
  let closed = false;
  let wired: WiredPort | undefined;
  const failed = wire(port2)
    .then((done) => {
      wired = done;
      if (closed) done.close();
      return done.failed ?? new Promise<never>(() => undefined);
    })
    .catch((error: unknown) => {
      throw ownError(error);
    });
  failed.catch(() => undefined); // connect() races it; nobody else must see it unhandled
  return {
    kind,
    endpoint: port1,
    failed,
    // From the answer on, the tab's posts skip the port: nothing it posted before is left in it.
    answered: () => void (wired?.send && (port1.postMessage = wired.send as MessagePort['postMessage'])),
    close() {
      closed = true;
      port1.close();
      wired?.close();
    },
  };
}

/**
 * A module loaded on demand is built self-contained, with its own copy of TabmuxError: its errors
 * become this module's class again, so `instanceof TabmuxError` holds for the page.
 */
function ownError(error: unknown): unknown {
  if (error instanceof TabmuxError || !(error instanceof Error) || error.name !== 'TabmuxError') return error;
  return new TabmuxError((error as Error & { code: ClientErrorCode }).code, error.message);
}
