/**
 * What the tabs of one leader host say to each other over BroadcastChannels. Types and names
 * only. Three channels per hub name, so every message wakes only the tabs it is for:
 *
 *  - `tabmux-leader:<name>`            every tab listens: who leads (`leader`), `who-leads?`.
 *  - `tabmux-leader:<name>:hub`        the leader listens: followers' `open` and link traffic.
 *  - `tabmux-leader:<name>:tab:<peer>` one follower page listens: `accepted` and link traffic.
 *
 * A BroadcastChannel delivers one sender's messages in order (HTML §9.5.3: one task source), so
 * each direction of a link keeps its order as long as it stays on one channel object, which it
 * does.
 */

/** A MessagePort that was inside a message, replaced for the crossing by the id of its own link. */
export interface PortMarker {
  readonly $tabmuxPort: string;
}

/** Traffic of one tunnelled link (port-tunnel.ts), in either direction. */
export type LinkEnvelope =
  /** `data` with every MessagePort replaced by a marker; `ports` lists the markers' link ids (empty: nothing to walk). */
  | { readonly type: 'message'; readonly link: string; readonly data: unknown; readonly ports: readonly string[] }
  /** The link and every link born in it are gone. */
  | { readonly type: 'close'; readonly link: string };

/** On the announcement channel. */
export type Announcement =
  /** `hidden`: the leader's page has been hidden for a while; a visible page should take over (visible-leader.ts). */
  | { readonly type: 'leader'; readonly leader: string; readonly version: string; readonly hidden?: boolean }
  /** A tab that just joined asks; the leader answers with `leader`. */
  | { readonly type: 'who-leads?' };

/** Follower → leader, on the hub channel. */
export type ToLeader =
  /** Opens the root link `link` from page `peer`; repeated until accepted (the leader may still be starting). */
  | { readonly type: 'open'; readonly link: string; readonly peer: string }
  | LinkEnvelope;

/** Leader → one follower page, on its tab channel. */
export type ToFollower = { readonly type: 'accepted'; readonly link: string; readonly leader: string; readonly version: string } | LinkEnvelope;

export const announcementChannel = (name: string): string => `tabmux-leader:${name}`;
export const hubChannel = (name: string): string => `tabmux-leader:${name}:hub`;
export const tabChannel = (name: string, peer: string): string => `tabmux-leader:${name}:tab:${peer}`;
/** Held by the leader: one holder per name, by Web Locks' own guarantee. */
export const electionLock = (name: string): string => `tabmux-leader:${name}`;
/** Held by the leader for its term: the `hubLock` tabs watch (connect.ts re-attaches on release). */
export const hubLifeLock = (name: string, leader: string): string => `tabmux-hub:${name}:${leader}`;
/** Taken (if available) by a visible page about to take over from a hidden leader: one page does. */
export const claimLock = (name: string): string => `tabmux-leader-claim:${name}`;
/** Held by every follower page for its life: the leader is granted it when the page is gone. */
export const peerLock = (peer: string): string => `tabmux-peer:${peer}`;

export function isAnnouncement(data: unknown): data is Announcement {
  const d = data as Partial<Record<string, unknown>> | null;
  return (
    !!d &&
    typeof d === 'object' &&
    ((d.type === 'leader' && typeof d.leader === 'string' && typeof d.version === 'string' && (d.hidden === undefined || typeof d.hidden === 'boolean')) || d.type === 'who-leads?')
  );
}

/** Shape check of link traffic and the handshake, so a stray message on our channels cannot throw. */
export function isEnvelope(data: unknown): data is ToLeader | ToFollower {
  const d = data as Partial<Record<string, unknown>> | null;
  if (!d || typeof d !== 'object' || typeof d.link !== 'string') return false;
  switch (d.type) {
    case 'message':
      return Array.isArray(d.ports) && d.ports.every((id) => typeof id === 'string');
    case 'close':
      return true;
    case 'open':
      return typeof d.peer === 'string';
    case 'accepted':
      return typeof d.leader === 'string' && typeof d.version === 'string';
    default:
      return false;
  }
}
