/**
 * The leader side of the tunnel: hears followers' `open` on the hub channel, gives each link a
 * local MessagePort served by the hub (the same `serve` a SharedWorker runs on `connect`), and
 * relays it through one port tunnel per follower page. Pages that die take their links with them:
 * each follower page holds its peer lock for life, and the leader is granted it when it is gone.
 *
 * No Web Locks nor hub here (leader-term.ts brings them), so node:test runs it as it is.
 */
import { createPortTunnel, type PortTunnel } from './port-tunnel.js';
import { announcementChannel, hubChannel, isAnnouncement, isEnvelope, tabChannel, type Announcement, type ToFollower } from './protocol.js';

export interface AcceptorOptions {
  readonly name: string;
  /** This leader's id (one per term). */
  readonly leader: string;
  readonly version: string;
  /** Serves one tab's control plane (Comlink) on `port`, for a tab of page `peer`. */
  readonly serve: (port: MessagePort, peer: string) => void;
  /** Page `peer` has no link left here (gone, or the acceptor closed). */
  readonly dropped?: (peer: string) => void;
  /** Calls `gone` once page `peer` has ended; stops watching on `signal`. */
  readonly watchPeer?: (peer: string, gone: () => void, signal: AbortSignal) => void;
  /** The leader's page has been hidden for a while (visible-leader.ts): said in every announcement. */
  readonly hidden?: () => boolean;
}

export interface Acceptor {
  /** Open links, all pages together (for tests: none may leak). */
  readonly links: number;
  /** Announces this leader again (its `hidden` changed). */
  announce(): void;
  /** Drops every link, quietly: followers learn of the end from the hub's life lock. */
  close(): void;
}

interface Peer {
  readonly channel: BroadcastChannel;
  readonly tunnel: PortTunnel;
  readonly watch: AbortController;
}

export function startAcceptor(options: AcceptorOptions): Acceptor {
  const { name, leader, version } = options;
  const inbox = new BroadcastChannel(hubChannel(name));
  const announcements = new BroadcastChannel(announcementChannel(name));
  const peers = new Map<string, Peer>();

  const dropPeer = (id: string) => {
    const peer = peers.get(id);
    if (!peer) return;
    peers.delete(id);
    peer.watch.abort();
    peer.tunnel.closeAll(true);
    peer.channel.close();
    options.dropped?.(id);
  };

  const peerFor = (id: string): Peer => {
    let peer = peers.get(id);
    if (!peer) {
      const channel = new BroadcastChannel(tabChannel(name, id));
      peer = { channel, tunnel: createPortTunnel((envelope) => channel.postMessage(envelope satisfies ToFollower)), watch: new AbortController() };
      peers.set(id, peer);
      options.watchPeer?.(id, () => dropPeer(id), peer.watch.signal);
    }
    return peer;
  };

  inbox.onmessage = ({ data }: MessageEvent) => {
    if (!isEnvelope(data)) return;
    const from = (data as { peer?: unknown }).peer;
    if (typeof from !== 'string') return;
    switch (data.type) {
      case 'open': {
        const peer = peerFor(from);
        // `open` is repeated until accepted: accept once, answer every time.
        if (!peer.tunnel.has(data.link)) {
          const { port1, port2 } = new MessageChannel();
          peer.tunnel.attach(data.link, port2, () => port1.close());
          options.serve(port1, from);
        }
        peer.channel.postMessage({ type: 'accepted', link: data.link, leader, version } satisfies ToFollower);
        return;
      }
      case 'message':
      case 'close':
        peers.get(from)?.tunnel.receive(data);
        return;
      case 'accepted':
        return; // follower-bound
      default: {
        const never: never = data;
        return never;
      }
    }
  };
  const announce = () => announcements.postMessage({ type: 'leader', leader, version, hidden: options.hidden?.() ?? false } satisfies Announcement);
  announcements.onmessage = ({ data }: MessageEvent) => {
    if (isAnnouncement(data) && data.type === 'who-leads?') announce();
  };
  // Listening first, announcing second: an `open` answering this announcement finds us ready.
  announce();

  return {
    announce,
    get links() {
      let n = 0;
      for (const peer of peers.values()) n += peer.tunnel.size;
      return n;
    },
    close() {
      inbox.close();
      announcements.close();
      for (const id of [...peers.keys()]) dropPeer(id);
    },
  };
}
