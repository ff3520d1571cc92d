/**
 * MessagePorts carried over a wire that cannot transfer them. A BroadcastChannel clones but takes
 * no transfer list (HTML §9.5.3), yet Comlink's hello transfers the tab's data port, and every
 * `proxy()` (the token function) travels as a port too. So each end of the wire relays local
 * ports: a link is one relayed port pair, named by an id both ends know. A port found inside a
 * message becomes a marker `{ $tabmuxPort: id }` and a link of its own, born in the link that
 * carried it and closed with it; the far end puts a fresh local port where the marker was. Then
 * Comlink, worker/tab-server.ts and connect.ts run unchanged on top.
 *
 * The same code runs on both ends, in pages and under node:test (Node has MessageChannel).
 */
import type { LinkEnvelope, PortMarker } from './protocol.js';

/** Where a link's incoming messages go: a MessagePort, or a follower link that watches them. */
export interface LinkSink {
  postMessage(data: unknown, transfer: Transferable[]): void;
  close(): void;
}

export interface PortTunnel {
  /** Relays `port` ⇄ the wire as link `id`, both ways; `onClose` runs when the link closes. */
  attach(id: string, port: MessagePort, onClose?: () => void): void;
  /** Link `id`'s incoming messages go to `sink`; its owner sends with `send`. */
  register(id: string, sink: LinkSink): void;
  /** Sends one message on link `id`; the ports in `data` (all of them in `ports`) become links. */
  send(id: string, data: unknown, ports: readonly MessagePort[]): void;
  /** An envelope from the far end; false when its link is unknown here (closed, or not ours). */
  receive(envelope: LinkEnvelope): boolean;
  has(id: string): boolean;
  /** Closes link `id` and every link born in it; tells the far end unless `quietly`. */
  close(id: string, quietly?: boolean): void;
  /**
   * Forgets link `id` and the links born in it WITHOUT closing their local ports: a follower
   * re-sends a hello that a dead leader never answered to the next one, ports and all.
   */
  detach(id: string): void;
  closeAll(quietly?: boolean): void;
  readonly size: number;
}

interface Link {
  readonly sink: LinkSink;
  /** A port relayed both ways (attach), as opposed to a registered sink. */
  readonly port: MessagePort | undefined;
  readonly onClose: (() => void) | undefined;
  readonly parent: string | undefined;
  readonly children: Set<string>;
}

/** Markers nest no deeper than this: Comlink's messages are 3 or 4 levels deep. */
const MAX_DEPTH = 16;

let counter = 0;
/** Drawn on first use, not at import: `crypto.randomUUID` exists only in secure contexts (as Web Locks do). */
let pagePrefix: string | undefined;
/** Unique among every page of the origin: a random page prefix and a counter. */
export const newLinkId = (): string => `${(pagePrefix ??= crypto.randomUUID())}:${(counter++).toString(36)}`;

export function createPortTunnel(wire: (envelope: LinkEnvelope) => void): PortTunnel {
  const links = new Map<string, Link>();

  const add = (id: string, link: Link) => {
    links.set(id, link);
    if (link.parent !== undefined) links.get(link.parent)?.children.add(id);
  };

  const attach = (id: string, port: MessagePort, onClose?: () => void, parent?: string) => {
    add(id, { sink: port, port, onClose, parent, children: new Set() });
    // Setting onmessage also starts the port (HTML §9.4.4): messages queued meanwhile follow.
    port.onmessage = (event) => send(id, event.data, event.ports);
  };

  /** Removes `id` and its descendants; `closePorts` false keeps the local ports alive (detach). */
  const drop = (id: string, closePorts: boolean): void => {
    const link = links.get(id);
    if (!link) return;
    links.delete(id);
    if (link.parent !== undefined) links.get(link.parent)?.children.delete(id);
    for (const child of [...link.children]) drop(child, closePorts);
    if (link.port) link.port.onmessage = null;
    if (closePorts) {
      link.sink.close();
      link.onClose?.();
    }
  };

  const post = (id: string, envelope: LinkEnvelope) => {
    try {
      wire(envelope);
    } catch {
      // A closed channel, or data that cannot be cloned: the link cannot carry on.
      drop(id, true);
    }
  };

  function send(id: string, data: unknown, ports: readonly MessagePort[]): void {
    if (!links.has(id)) {
      for (const port of ports) port.close(); // nobody will ever answer on them
      return;
    }
    if (ports.length === 0) return post(id, { type: 'message', link: id, data, ports: [] });
    const ids = new Map<MessagePort, string>();
    for (const port of ports) {
      const sub = newLinkId();
      ids.set(port, sub);
      attach(sub, port, undefined, id);
    }
    post(id, { type: 'message', link: id, data: mapValues(data, (value) => (value instanceof MessagePort ? { $tabmuxPort: ids.get(value) ?? '' } : undefined)), ports: [...ids.values()] });
  }

  return {
    attach: (id, port, onClose) => attach(id, port, onClose),
    register: (id, sink) => add(id, { sink, port: undefined, onClose: undefined, parent: undefined, children: new Set() }),
    send,
    receive(envelope) {
      const link = links.get(envelope.link);
      if (!link) return false;
      switch (envelope.type) {
        case 'close':
          drop(envelope.link, true);
          return true;
        case 'message': {
          if (envelope.ports.length === 0) {
            link.sink.postMessage(envelope.data, []);
            return true;
          }
          const local = new Map<string, MessagePort>();
          for (const sub of envelope.ports) {
            const { port1, port2 } = new MessageChannel();
            attach(sub, port2, undefined, envelope.link);
            local.set(sub, port1);
          }
          link.sink.postMessage(
            mapValues(envelope.data, (value) => (isMarker(value) ? local.get(value.$tabmuxPort) : undefined)),
            [...local.values()],
          );
          return true;
        }
        default: {
          const never: never = envelope;
          return never;
        }
      }
    },
    has: (id) => links.has(id),
    close(id, quietly = false) {
      if (!links.has(id)) return;
      drop(id, true);
      if (!quietly) post(id, { type: 'close', link: id });
    },
    detach: (id) => drop(id, false),
    closeAll(quietly = false) {
      for (const [id, link] of [...links]) {
        if (link.parent !== undefined || !links.has(id)) continue; // closed with its root
        drop(id, true);
        if (!quietly) post(id, { type: 'close', link: id });
      }
    },
    get size() {
      return links.size;
    },
  };
}

function isMarker(value: unknown): value is PortMarker {
  return typeof value === 'object' && value !== null && typeof (value as Partial<PortMarker>).$tabmuxPort === 'string' && Object.keys(value).length === 1;
}

/**
 * A copy of `value` in which `replace` swaps what it returns something for. Only arrays and plain
 * objects are walked: that is where Comlink puts ports (its wire values and argument lists).
 */
function mapValues(value: unknown, replace: (value: unknown) => unknown, depth = 0): unknown {
  const replaced = replace(value);
  if (replaced !== undefined) return replaced;
  if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => mapValues(item, replace, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = mapValues(item, replace, depth + 1);
  return copy;
}
