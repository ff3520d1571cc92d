/**
 * The follower side of a page (one per page per hub name): it tunnels each of its tabs' endpoints
 * to whichever page leads, over BroadcastChannels (protocol.ts). This is the part every page of a
 * leader host loads, so it stays small; the leader side is leader-term.ts.
 *
 * Handshake: a link sends `open` and keeps what its tab posts until a leader answers `accepted`,
 * then sends it all, in order. It re-sends `open` whenever a new leader announces itself, so the
 * races of a start (every tab at once, the leader still loading its hub) lose nothing. Until the
 * hub has answered (the hello), a link follows the leadership: if its leader goes, the next one
 * gets the same messages, ports and all. Once answered it is bound to that hub, whose end the tab
 * learns from the hub's life lock (connect.ts re-attaches from its cursors).
 */
import { createPortTunnel, newLinkId, type LinkSink } from './port-tunnel.js';
import { announcementChannel, hubChannel, isAnnouncement, isEnvelope, tabChannel, type Announcement, type ToLeader } from './protocol.js';

export interface FollowerOptions {
  /** The hub name: `tabmux:<transport>:<url>`. */
  readonly name: string;
  /** This page's id on the channels. */
  readonly peer: string;
  /** A leader was heard of: it announced itself (saying whether it is `hidden`) or accepted a link. */
  readonly onLeader?: (leader: string, version: string, hidden?: boolean) => void;
  /** Resolves once the page holds its peer lock (the leader watches it to drop the page's links). */
  readonly ready?: Promise<void>;
}

/** A tab's endpoint, tunnelled to the leader. */
export interface FollowerLink {
  close(): void;
  /**
   * Takes a message of the tab as if it came through `port`, at once: once the hub has answered,
   * the tab posts here directly (deferred-link.ts), so what it sends leaves in its own task — a
   * page busy in a long task, then closed, would never relay what it queued on the port meanwhile.
   */
  send(data: unknown, transfer: readonly Transferable[]): void;
}

export interface Follower {
  /** Tunnels `port` (the far end of a tab's endpoint) to the leader. */
  link(port: MessagePort): FollowerLink;
  /**
   * This page was just elected: its links no hub has answered yet are served by `serve` here,
   * over a local port, instead of through the channels back to this very page.
   */
  adopt(serve: (port: MessagePort) => void): void;
  /**
   * The page goes into the back/forward cache: close the channels. A cached page that receives a
   * BroadcastChannel message is evicted (Chromium: "BroadcastChannelOnMessage"); its tabs
   * re-attach on `pageshow` (connect.ts), so nothing needs to reach it meanwhile.
   */
  suspend(): void;
  /** Back from the cache: open the channels again. */
  resume(): void;
  /** Links still tunnelled (for tests: none may leak). */
  readonly links: number;
  close(): void;
}

interface RootLink {
  readonly id: string;
  take(data: unknown, ports: readonly MessagePort[]): void;
  accepted(leader: string): void;
  newLeader(leader: string): void;
  adopt(serve: (port: MessagePort) => void): void;
  close(): void;
}

interface Logged {
  readonly data: unknown;
  readonly ports: readonly MessagePort[];
}

export function createFollower(options: FollowerOptions): Follower {
  const { name, peer } = options;
  const ready = options.ready ?? Promise.resolve();
  let announcements: BroadcastChannel;
  let toLeader: BroadcastChannel;
  let inbox: BroadcastChannel;
  /** While the page sits in the back/forward cache, its channels are closed (see suspend). */
  let suspended = false;
  const tunnel = createPortTunnel((envelope) => toLeader.postMessage({ ...envelope, peer } satisfies ToLeader & { peer: string }));
  const links = new Map<string, RootLink>();
  let leader: string | undefined;
  let closed = false;

  const heard = (id: string, version: string, hidden?: boolean) => {
    if (id !== leader) {
      leader = id;
      for (const link of [...links.values()]) link.newLeader(id);
    }
    options.onLeader?.(id, version, hidden);
  };
  const onAnnouncement = ({ data }: MessageEvent) => {
    if (isAnnouncement(data) && data.type === 'leader') heard(data.leader, data.version, data.hidden ?? false);
  };
  const onInbox = ({ data }: MessageEvent) => {
    if (!isEnvelope(data)) return;
    switch (data.type) {
      case 'accepted':
        heard(data.leader, data.version);
        return links.get(data.link)?.accepted(data.leader);
      case 'message':
      case 'close':
        tunnel.receive(data);
        return;
      case 'open':
        return; // leader-bound; not for a follower
      default: {
        const never: never = data;
        return never;
      }
    }
  };
  const openChannels = () => {
    announcements = new BroadcastChannel(announcementChannel(name));
    toLeader = new BroadcastChannel(hubChannel(name));
    inbox = new BroadcastChannel(tabChannel(name, peer));
    announcements.onmessage = onAnnouncement;
    inbox.onmessage = onInbox;
    announcements.postMessage({ type: 'who-leads?' } satisfies Announcement);
  };
  const closeChannels = () => {
    announcements.close();
    toLeader.close();
    inbox.close();
  };
  openChannels();

  function rootLink(port: MessagePort): RootLink {
    let id = newLinkId();
    let acceptedBy: string | undefined;
    /** What the tab posted, kept until the hub first answers (then this link is bound to it). */
    let log: Logged[] | undefined = [];
    let gone = false;
    /** Adopted: the local port the tab's messages are piped to. */
    let local: MessagePort | undefined;

    const sink: LinkSink = {
      postMessage(data, transfer) {
        log = undefined;
        port.postMessage(data, transfer);
      },
      close: () => link.close(),
    };
    const open = () => {
      const asked = id;
      void ready.then(() => {
        if (!gone && !acceptedBy && !suspended && asked === id) toLeader.postMessage({ type: 'open', link: id, peer } satisfies ToLeader);
      });
    };
    const link: RootLink = {
      get id() {
        return id;
      },
      accepted(by) {
        if (gone || acceptedBy) return;
        acceptedBy = by;
        for (const entry of log ?? []) tunnel.send(id, entry.data, entry.ports);
      },
      newLeader(by) {
        if (gone || !log || acceptedBy === by) return;
        if (acceptedBy) {
          // Its leader went before answering: the next one gets the same hello, under a new id.
          tunnel.detach(id);
          links.delete(id);
          id = newLinkId();
          acceptedBy = undefined;
          links.set(id, link);
          tunnel.register(id, sink);
        }
        open();
      },
      adopt(serve) {
        if (gone || !log) return;
        tunnel.detach(id);
        links.delete(id);
        const { port1, port2 } = new MessageChannel();
        local = port1;
        for (const entry of log) port1.postMessage(entry.data, entry.ports as MessagePort[]);
        log = undefined;
        port1.onmessage = (event) => port.postMessage(event.data, [...event.ports]);
        serve(port2);
      },
      close() {
        if (gone) return;
        gone = true;
        links.delete(id);
        tunnel.close(id, !acceptedBy);
        port.close();
        local?.close();
        log = undefined;
      },
      take(data, ports) {
        if (gone) return;
        if (local) return local.postMessage(data, [...ports]);
        log?.push({ data, ports });
        if (acceptedBy) tunnel.send(id, data, ports);
      },
    };
    port.onmessage = (event) => link.take(event.data, [...event.ports]);
    links.set(id, link);
    tunnel.register(id, sink);
    open();
    return link;
  }

  return {
    link(port) {
      if (closed) {
        port.close();
        return { close: () => undefined, send: () => undefined };
      }
      const link = rootLink(port);
      return { close: link.close, send: (data, transfer) => link.take(data, transfer.filter((item): item is MessagePort => item instanceof MessagePort)) };
    },
    adopt(serve) {
      for (const link of [...links.values()]) link.adopt(serve);
    },
    get links() {
      return links.size;
    },
    suspend() {
      if (suspended || closed) return;
      suspended = true;
      closeChannels();
    },
    resume() {
      if (!suspended || closed) return;
      suspended = false;
      leader = undefined;
      openChannels();
    },
    close() {
      for (const link of [...links.values()]) link.close();
      if (!closed && !suspended) closeChannels();
      closed = true;
    },
  };
}
