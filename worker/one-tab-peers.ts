/**
 * One-tab delivery across tabs that each run their own hub: the `direct` host (README, One tab per
 * message). Each such tab has its own upstream and gets every message of its channels, with the
 * server's ids (one global, ordered sequence: src/protocol/event-id-order.ts). The tabs of one hub
 * name (server URL and transport) talk over a BroadcastChannel; per channel subscribed one-tab:
 *
 *  - Members. A tab with a one-tab subscription of the channel says so (`hi`, with its front: the
 *    rule of front-tabs.ts, visible first, then the one shown or hidden last; a tie goes to the
 *    lower tab id), whenever that changes. A newcomer's `hi` asks the others to answer with theirs.
 *  - One owner per term. The owner hands the channel's messages to its own page's one-tab
 *    handlers, one at a time (the next once the previous was acknowledged), and tells the others
 *    each mark (`mark`: every message up to it has been handled). The others keep what is past the
 *    mark, at most KEEP_MAX messages a channel (the oldest go; see `from`).
 *  - A claim. With no owner, the member most in front claims term + 1 (`claim`), but not before
 *    JOIN_MS after it joined (it has heard the others by then), and it hands nothing out for
 *    CLAIM_MS: an owner of the term that it did not know of, or a better claim of the same term
 *    (better front, then lower id: every tab compares the same two claims alike), takes the term
 *    from it meanwhile. A higher term always wins; an owner that hears of one stops at once.
 *  - Hand-over. An owner that is no longer the member most in front stops handing out, waits for
 *    its message in flight, and releases the channel with its mark (`release`); so does an owner
 *    whose page unsubscribes, or goes (`pagehide`, `freeze`: `bye`). The member now most in front
 *    claims, and hands out everything past the mark, in order, from what it kept.
 *  - Gone without a word (a crash). A member that keeps messages past the mark and has seen no
 *    progress (no mark, no change of owner) for SUSPECT_MS asks the tab it waits for (the owner,
 *    or the member that should claim) whether it is there (`ping`); with no answer in PING_MS that
 *    tab counts as gone, and the next one claims. A page's message events are not throttled when
 *    it is hidden (its timers are), so a hidden owner answers in time.
 *  - Where the kept messages fall short of the mark (a tab that joined after it, or dropped the
 *    oldest past KEEP_MAX), the new owner has its upstream replay the channel from the mark (with
 *    none yet: from where its upstream started the channel), from the server's history (hub.ts, as
 *    for a late tab's older cursor).
 *
 * Each mark is also written to a MarkStore (the page's localStorage), which leaves the page at once
 * where a BroadcastChannel post may not (a crash right after the handlers ran); the next owner
 * reads it when it takes over.
 *
 * The remaining races (README): a tab that dies after a handler ran but before its mark was
 * written has that message handled again by the next owner; a tab whose page does not run for longer than
 * PING_MS while it is waited for (a long task, a debugger pause) is taken for gone, and the message
 * it was handling then may be handled twice. No one-tab member left: the mark is forgotten, and the
 * next one-tab subscriber starts from now.
 *
 * Pure logic: the clock, the channel and the hub are injected (test/unit/one-tab-peers.test.ts).
 */
import { isNewer } from '../src/protocol/event-id-order.js';
import { formatEventId, parseEventId } from '../src/protocol/event-id.js';
import type { WireMessage } from '../src/protocol/wire.js';
import type { OneTabAcrossSnapshot } from '../src/hub-protocol/hub-api.js';
import { ahead, FrontTabs, type Front } from './front-tabs.js';
import type { Clock, TimerId } from './platform.js';

/** A tab that joins a channel waits this long for the others' answers before it may claim it. */
export const JOIN_MS = 300;
/** A claim hands nothing out for this long: an owner it did not know of, or a better claim, takes over meanwhile. */
export const CLAIM_MS = 300;
/** Messages kept past the mark with no progress for this long: the tab waited for is asked whether it is there. */
export const SUSPECT_MS = 2000;
/** Asked and silent for this long: gone. */
export const PING_MS = 1000;
/** Messages a tab keeps per channel past the mark (the server's default `history`); older ones come from the server's history. */
export const KEEP_MAX = 1000;

/** The BroadcastChannel of the hub's name, or a fake. */
export interface PeerBus {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}

/**
 * Where the handling tab also writes each mark, synchronously, in the handler's own task: the
 * page's `localStorage`. A BroadcastChannel post leaves the page later (Chromium sends it through
 * the frame's IPC channel, from another thread), so the last marks of a page that crashes right
 * after its handlers ran can be lost; a storage write is sent at once, and the next owner reads it
 * when it takes over. `at`: when it was written (wall clock).
 */
export interface MarkStore {
  read(channel: string): { readonly mark: string; readonly at: number } | undefined;
  write(channel: string, mark: string): void;
}

/**
 * Whether a tab is alive, where the platform can say for sure: with Web Locks each tab holds a
 * lock of its own until it is gone (worker/runtimes/one-tab-peers.ts). A tab asked and silent for
 * PING_MS is then taken for gone only when its lock is free: one that is only stalled (a busy
 * renderer on a loaded machine) is waited for, instead of having the message it was handling
 * handled again by another tab. Without Web Locks (plain http) silence is all there is.
 */
export interface PeerLiveness {
  alive(peerId: string): Promise<boolean>;
}

/** A stored mark with no mark heard over the channel counts only this long after it was written (HOLD_MS of one-tab-router.ts). */
export const STORED_MARK_MS = 60_000;

/** What the coordination needs of its tab's hub (hub.ts). */
export interface PeersHost {
  readonly clock: Clock;
  /** Hands `message` to this page's one-tab handlers (one-tab-router.ts), everything up to `mark` (when there is one) being handled; false if no handler took it. */
  hand(message: WireMessage, mark: string | undefined): boolean;
  /** The upstream must hand `channel` again from after `from`. */
  replay(channel: string, from: string): void;
  /** The hub's cursor of `channel` (the last id its upstream delivered). */
  cursor(channel: string): string | undefined;
}

/** What hub.ts calls. */
export interface OneTabPeersApi {
  /** This page has a one-tab subscription of `channel` (again). */
  join(channel: string): void;
  /** This page has none left. */
  leave(channel: string): void;
  /** A message of a channel the hub carries, new to this hub. */
  message(message: WireMessage): void;
  /** This page's handlers ran for `id` of `channel` (and all before). */
  handled(channel: string, id: string): void;
  /** This page is visible (shown and not frozen) or not. */
  visible(visible: boolean): void;
  /** The hub paused its upstream (every tab of it hidden: README, Battery) or resumed it. */
  paused(paused: boolean): void;
  /** Every message of `channel` up to this id has been handled, by some tab. */
  mark(channel: string): string | undefined;
  snapshot(channel: string): OneTabAcrossSnapshot | undefined;
  close(): void;
}

/** What one tab knows of a channel, as it tells the others (`hi`). */
interface View {
  /** The owner of term `t`; absent: released, or its owner is gone. */
  readonly o?: string;
  readonly t: number;
  readonly m?: string;
  /** The owner's front when it claimed. */
  readonly f?: Front;
}

type PeerMessage =
  /** `a`: answer with yours (a newcomer); `z`: my upstream is paused. */
  | { readonly k: 'hi'; readonly p: string; readonly f: Front; readonly ch: Readonly<Record<string, View>>; readonly a?: true; readonly z?: true }
  | { readonly k: 'claim'; readonly p: string; readonly c: string; readonly t: number; readonly f: Front }
  | { readonly k: 'mark'; readonly p: string; readonly c: string; readonly m: string }
  | { readonly k: 'release'; readonly p: string; readonly c: string; readonly t: number; readonly m?: string }
  | { readonly k: 'ping'; readonly p: string; readonly to: string }
  | { readonly k: 'bye'; readonly p: string };

interface Peer {
  /** Its one-tab channels. */
  channels: Set<string>;
  /** Its upstream is paused: it gets no messages. */
  paused: boolean;
  /** When a ping to it went unanswered so far; undefined: none outstanding. */
  asked: number | undefined;
  /** When it was last asked (answered or not): asked again only SUSPECT_MS later. */
  askedAt: number;
  /** Silent past PING_MS, and its liveness is being looked up. */
  checking: boolean;
}

interface Channel {
  term: number;
  /** The owner of `term`; undefined: released, or gone. */
  owner: string | undefined;
  /** The owner's front when it claimed: breaks a tie of two claims of one term. */
  ownerFront: Front | undefined;
  /** This tab owns the channel and its claim wait is over. */
  confirmed: boolean;
  claimedAt: number;
  joinedAt: number;
  /** Every message up to this id has been handled. */
  mark: string | undefined;
  /** Messages past the mark, in id order. */
  kept: WireMessage[];
  /** Where this tab's upstream started the channel: it got every message after it. */
  start: string | undefined;
  /** Every message after this id is kept or at most the mark (`start`, until the oldest kept had to go). */
  from: string | undefined;
  /** Handed to this page, not acknowledged yet (owner only). */
  handed: string | undefined;
  /** The last progress: a mark, a change of owner, the first message kept past the mark. */
  progressAt: number;
}

export class OneTabPeers implements OneTabPeersApi {
  readonly #id: string;
  readonly #host: PeersHost;
  readonly #bus: PeerBus;
  readonly #clock: Clock;
  /** Every tab's front, this one's included (front-tabs.ts's rule). */
  readonly #fronts: FrontTabs;
  readonly #peers = new Map<string, Peer>();
  readonly #channels = new Map<string, Channel>();
  /** `pagehide` or `freeze`: said bye, owns nothing, claims nothing until `pageshow` or `resume`. */
  #away = false;
  #paused = false;
  #closed = false;
  #timer: TimerId | undefined;
  #timerAt = Infinity;

  readonly #store: MarkStore | undefined;
  readonly #liveness: PeerLiveness | undefined;

  /** `id`: this tab's, unique (a random UUID); a tie of fronts goes to the lower id. */
  constructor(id: string, host: PeersHost, bus: PeerBus, store?: MarkStore, liveness?: PeerLiveness) {
    this.#id = id;
    this.#liveness = liveness;
    this.#host = host;
    this.#bus = bus;
    this.#store = store;
    this.#clock = host.clock;
    this.#fronts = new FrontTabs(host.clock);
    this.#fronts.add(id);
    bus.onmessage = (event) => this.#receive(event.data);
  }

  // ── this page ─────────────────────────────────────────────────────────────────────────────

  join(channel: string): void {
    if (this.#closed || this.#channels.has(channel)) return;
    const now = this.#clock.now();
    this.#channels.set(channel, {
      term: 0,
      owner: undefined,
      ownerFront: undefined,
      confirmed: false,
      claimedAt: 0,
      joinedAt: now,
      mark: undefined,
      kept: [],
      // The upstream resumes from the hub's cursor: every message after it comes here.
      start: this.#host.cursor(channel),
      from: this.#host.cursor(channel),
      handed: undefined,
      progressAt: now,
    });
    this.#hi(true);
    this.#evaluate();
  }

  leave(channel: string): void {
    const state = this.#channels.get(channel);
    if (!state) return;
    if (state.owner === this.#id) this.#release(channel, state);
    this.#channels.delete(channel);
    this.#hi();
  }

  message(message: WireMessage): void {
    const state = this.#channels.get(message.channel);
    if (!state) return;
    const last = state.kept.at(-1)?.id ?? state.mark;
    if (last !== undefined && !isNewer(message.id, last)) return; // kept already, or handled
    if (state.from === undefined) state.start = state.from = before(message.id) ?? message.id;
    if (state.kept.length === 0) state.progressAt = this.#clock.now();
    state.kept.push(message);
    this.#trim(state);
    this.#evaluate();
  }

  handled(channel: string, id: string): void {
    const state = this.#channels.get(channel);
    if (!state) return;
    this.#handledHere(channel, state, id);
    this.#evaluate();
  }

  visible(visible: boolean): void {
    if (!this.#fronts.report(this.#id, visible)) return;
    this.#hi();
    this.#evaluate();
  }

  paused(paused: boolean): void {
    if (this.#paused === paused) return;
    this.#paused = paused;
    this.#hi();
    this.#evaluate();
  }

  mark(channel: string): string | undefined {
    return this.#channels.get(channel)?.mark;
  }

  snapshot(channel: string): OneTabAcrossSnapshot | undefined {
    const state = this.#channels.get(channel);
    if (!state) return undefined;
    const { owner, confirmed, term, kept } = state;
    return {
      tabs: this.#members(channel).length,
      handler: owner === undefined ? 'none' : owner !== this.#id ? 'another-tab' : confirmed ? 'this-tab' : 'claiming',
      term,
      kept: kept.length,
    };
  }

  /**
   * `pagehide`, `freeze`: releases what this tab owns and says bye; it may never run again.
   * `frozen`: the page stops but keeps its tasks; a message handed to its page whose handlers have
   * not run yet (its acknowledgement would have come in the same task) runs when the page resumes,
   * so it counts as handled: the next owner starts after it. (Closed, or in the back/forward cache
   * whose `pagehide` closes the page's ports first, it never runs: the next owner hands it out.)
   */
  away(frozen = false): void {
    if (this.#away || this.#closed) return;
    for (const [channel, state] of this.#channels) {
      if (state.owner !== this.#id) continue;
      if (frozen && state.handed !== undefined) this.#handledHere(channel, state, state.handed);
      this.#release(channel, state);
    }
    this.#away = true;
    this.#post({ k: 'bye', p: this.#id });
  }

  /** `pageshow`, `resume`: back; the others tell where things stand. */
  back(): void {
    if (!this.#away || this.#closed) return;
    this.#away = false;
    for (const state of this.#channels.values()) state.joinedAt = this.#clock.now();
    this.#hi(true);
    this.#evaluate();
  }

  close(): void {
    if (this.#closed) return;
    this.away();
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#bus.onmessage = null;
    this.#bus.close();
  }

  // ── the others ────────────────────────────────────────────────────────────────────────────

  #receive(data: unknown): void {
    if (this.#closed || !isPeerMessage(data) || data.p === this.#id) return;
    const from = data.p;
    if (data.k === 'bye') {
      if (this.#peers.has(from)) this.#gone(from);
      return this.#evaluate();
    }
    const known = this.#peers.has(from);
    const peer = this.#peer(from);
    peer.asked = undefined; // it is there
    // A tab not heard of (a newcomer whose hi is on its way, one taken for gone): ask for its hi.
    if (!known && data.k !== 'hi') this.#post({ k: 'ping', p: this.#id, to: from });
    switch (data.k) {
      case 'hi':
        this.#fronts.set(from, data.f);
        peer.channels = new Set(Object.keys(data.ch));
        peer.paused = data.z === true;
        for (const [channel, view] of Object.entries(data.ch)) this.#learn(channel, from, view);
        // An owner that no longer subscribes the channel has let it go.
        for (const [channel, state] of this.#channels) if (state.owner === from && !peer.channels.has(channel)) this.#ownerIs(state, state.term, undefined, undefined);
        if (data.a) this.#hi();
        break;
      case 'claim':
        peer.channels.add(data.c);
        this.#fronts.set(from, data.f);
        this.#claimed(data.c, from, data.t, data.f);
        break;
      case 'release': {
        const state = this.#channels.get(data.c);
        if (!state) break;
        if (data.m !== undefined) this.#advance(state, data.m);
        if (data.t > state.term || (data.t === state.term && state.owner === from)) this.#ownerIs(state, data.t, undefined, undefined);
        break;
      }
      case 'mark': {
        const state = this.#channels.get(data.c);
        if (state) this.#advance(state, data.m);
        break;
      }
      case 'ping':
        if (data.to === this.#id) this.#hi();
        break;
    }
    this.#evaluate();
  }

  /** What `from` tells of `channel` in its `hi`: its mark, and who owns which term. */
  #learn(channel: string, from: string, view: View): void {
    const state = this.#channels.get(channel);
    if (!state) return;
    if (view.m !== undefined) this.#advance(state, view.m);
    // This tab owns no term it does not know of (it left the channel and came back): ownerless.
    if (view.t > state.term) return this.#ownerIs(state, view.t, view.o === this.#id ? undefined : view.o, view.f);
    if (view.t < state.term) {
      if (view.o === from) this.#hi(); // it thinks it owns a term that is over: tell it
      return;
    }
    // The same term: only what `from` says of itself counts (another tab's word on a third may be stale).
    if (view.o === from && state.owner !== from) {
      if (state.owner === undefined || this.#beats(from, view.f, state.owner, state.ownerFront)) this.#ownerIs(state, view.t, from, view.f);
    } else if (view.o !== from && state.owner === from) {
      this.#ownerIs(state, view.t, undefined, undefined); // it released (or yielded) the term
    } else if (state.owner === this.#id && !state.confirmed && view.o !== this.#id) {
      // Our claim of this term is not theirs: the term was taken (and released, or its owner is gone) before us.
      if (view.o === undefined || this.#beats(view.o, view.f, this.#id, state.ownerFront)) this.#ownerIs(state, view.t, view.o, view.f);
    }
  }

  #claimed(channel: string, from: string, term: number, front: Front): void {
    const state = this.#channels.get(channel);
    if (!state) return;
    if (term > state.term) return this.#ownerIs(state, term, from, front);
    if (term === state.term && state.owner === from) return;
    if (term === state.term && state.owner !== undefined) {
      if (this.#beats(from, front, state.owner, state.ownerFront)) this.#ownerIs(state, term, from, front);
      return;
    }
    this.#hi(); // a claim of a term that was taken already: tell the claimant where we stand
  }

  /** `a` (with front `fa`) beats `b` for one term: the better front, then the lower id. */
  #beats(a: string, fa: Front | undefined, b: string, fb: Front | undefined): boolean {
    const [x, y] = [fa ?? LAST, fb ?? LAST];
    return ahead(x, y) || (!ahead(y, x) && a < b);
  }

  #ownerIs(state: Channel, term: number, owner: string | undefined, front: Front | undefined): void {
    state.term = term;
    state.owner = owner;
    state.ownerFront = front;
    state.confirmed = false; // this tab's, if it was: a message it handed still comes back as a mark
    state.progressAt = this.#clock.now();
    this.#trim(state);
  }

  /** Keeps at most KEEP_MAX messages past the mark, unless this tab owns the channel (it hands them all out, as a hub does). */
  #trim(state: Channel): void {
    if (state.owner === this.#id) return;
    while (state.kept.length > KEEP_MAX) state.from = state.kept.shift()!.id;
  }

  /** This page handled `id` (or will, once it resumes): a fact, whoever owns the channel now; the others prune what they keep. */
  #handledHere(channel: string, state: Channel, id: string): void {
    if (state.handed === id) state.handed = undefined;
    this.#advance(state, id);
    try {
      this.#store?.write(channel, id);
    } catch {
      // storage full or refused: the channel's mark is all there is
    }
    this.#post({ k: 'mark', p: this.#id, c: channel, m: id });
  }

  #advance(state: Channel, id: string): void {
    if (state.mark !== undefined && !isNewer(id, state.mark)) return;
    state.mark = id;
    while (state.kept[0] && !isNewer(state.kept[0].id, id)) state.kept.shift();
    state.progressAt = this.#clock.now();
  }

  #peer(peerId: string): Peer {
    let peer = this.#peers.get(peerId);
    if (!peer) this.#peers.set(peerId, (peer = { channels: new Set(), paused: false, asked: undefined, askedAt: -Infinity, checking: false }));
    return peer;
  }

  /** A tab said bye, or was asked and did not answer. */
  #gone(peerId: string): void {
    this.#peers.delete(peerId);
    this.#fronts.remove(peerId);
    for (const state of this.#channels.values()) if (state.owner === peerId) this.#ownerIs(state, state.term, undefined, undefined);
  }

  // ── deciding ──────────────────────────────────────────────────────────────────────────────

  /** This tab and the others with a one-tab subscription of `channel`, by id (ties go to the lower). */
  #members(channel: string): string[] {
    const members = [...this.#peers].filter(([, peer]) => peer.channels.has(channel)).map(([id]) => id);
    if (this.#channels.has(channel)) members.push(this.#id);
    return members.sort();
  }

  /** The member most in front, among those whose upstream runs if any does (a paused hub gets no messages). */
  #best(channel: string): string | undefined {
    const members = this.#members(channel);
    const awake = members.filter((id) => (id === this.#id ? !this.#paused : !this.#peers.get(id)!.paused));
    return this.#fronts.best(awake.length > 0 ? awake : members);
  }

  /** Runs every decision due now (again while one changes what the others see), and sets the timer for the next. */
  #evaluate(): void {
    for (let round = 0; round < 8 && !this.#closed; round++) {
      const now = this.#clock.now();
      let next = Infinity;
      for (const [channel, state] of this.#channels) next = Math.min(next, this.#decide(channel, state));
      if (next > now) return this.#wake(next);
    }
  }

  /** Acts on `channel` as due; returns when it must be looked at again (Infinity: on the next event). */
  #decide(channel: string, state: Channel): number {
    if (this.#away) return Infinity;
    const now = this.#clock.now();
    const best = this.#best(channel);
    if (state.owner === this.#id) {
      if (!state.confirmed) {
        if (now < state.claimedAt + CLAIM_MS) return state.claimedAt + CLAIM_MS;
        state.confirmed = true;
        this.#readStored(channel, state);
        // Handing out goes on from the mark; with none (nothing handled yet), from where this tab started.
        const base = state.mark ?? state.start;
        if (base !== undefined && (state.from === undefined || isNewer(state.from, base))) {
          // What this tab kept does not reach back there: the server's history does.
          state.kept = [];
          state.from = base;
          this.#host.replay(channel, base);
        }
      }
      if (state.handed !== undefined) return Infinity; // its mark comes first
      if (best !== this.#id) {
        this.#release(channel, state);
        return now; // the others' turn: look again
      }
      const message = state.kept[0];
      if (message) {
        state.handed = message.id;
        if (!this.#host.hand(message, state.mark)) state.handed = undefined;
      }
      return Infinity;
    }
    if (state.owner === undefined && best === this.#id) {
      if (now < state.joinedAt + JOIN_MS) return state.joinedAt + JOIN_MS;
      this.#claim(channel, state);
      return now + CLAIM_MS;
    }
    // Another tab is to act: the owner, or the member most in front, which is to claim.
    const waitedFor = state.owner ?? best;
    if (waitedFor === undefined || waitedFor === this.#id || state.kept.length === 0) return Infinity;
    if (now < state.progressAt + SUSPECT_MS) return state.progressAt + SUSPECT_MS;
    const peer = this.#peer(waitedFor);
    if (peer.asked === undefined) {
      if (now < peer.askedAt + SUSPECT_MS) return peer.askedAt + SUSPECT_MS; // it answered lately: it is there, only slow
      peer.asked = peer.askedAt = now;
      this.#post({ k: 'ping', p: this.#id, to: waitedFor });
      return now + PING_MS;
    }
    if (now < peer.asked + PING_MS) return peer.asked + PING_MS;
    if (this.#liveness) {
      if (!peer.checking) this.#check(waitedFor, peer, this.#liveness);
      return Infinity; // the answer decides
    }
    this.#gone(waitedFor);
    return now; // look again: the next one claims
  }

  /** A silent tab: gone if its lock is free; alive (only slow), it is waited for again. */
  #check(peerId: string, peer: Peer, liveness: PeerLiveness): void {
    peer.checking = true;
    const settle = (alive: boolean): void => {
      peer.checking = false;
      if (this.#closed || this.#peers.get(peerId) !== peer) return;
      if (alive) {
        peer.asked = undefined;
        peer.askedAt = this.#clock.now();
      } else this.#gone(peerId);
      this.#evaluate();
    };
    liveness.alive(peerId).then(settle, () => settle(false));
  }

  /**
   * A mark the last handling tab wrote that did not come over the channel (it crashed right after
   * its handlers ran): a later one of the same broker history, or, with none heard, a recent one.
   */
  #readStored(channel: string, state: Channel): void {
    let stored: ReturnType<MarkStore['read']>;
    try {
      stored = this.#store?.read(channel);
    } catch {
      return;
    }
    if (!stored) return;
    const known = state.mark === undefined ? undefined : parseEventId(state.mark);
    const found = parseEventId(stored.mark);
    if (!found) return;
    const later = known ? known.epoch === found.epoch && found.seq > known.seq : this.#clock.now() - stored.at < STORED_MARK_MS;
    if (later) this.#advance(state, stored.mark);
  }

  #claim(channel: string, state: Channel): void {
    const front = this.#fronts.get(this.#id)!;
    this.#ownerIs(state, state.term + 1, this.#id, front);
    state.claimedAt = this.#clock.now();
    this.#post({ k: 'claim', p: this.#id, c: channel, t: state.term, f: front });
  }

  #release(channel: string, state: Channel): void {
    this.#post({ k: 'release', p: this.#id, c: channel, t: state.term, ...(state.mark !== undefined && { m: state.mark }) });
    this.#ownerIs(state, state.term, undefined, undefined);
  }

  #hi(answer = false): void {
    if (this.#away) return;
    const ch: Record<string, View> = {};
    for (const [channel, { owner, term, mark, ownerFront }] of this.#channels) {
      ch[channel] = { t: term, ...(owner !== undefined && { o: owner }), ...(mark !== undefined && { m: mark }), ...(ownerFront && { f: ownerFront }) };
    }
    this.#post({ k: 'hi', p: this.#id, f: this.#fronts.get(this.#id)!, ch, ...(answer && { a: true as const }), ...(this.#paused && { z: true as const }) });
  }

  #post(message: PeerMessage): void {
    if (this.#closed) return;
    try {
      this.#bus.postMessage(message);
    } catch {
      // a closed channel (the page is going): nothing more to say
    }
  }

  #wake(at: number): void {
    if (at === Infinity || (this.#timer !== undefined && this.#timerAt <= at)) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#evaluate();
    }, Math.max(0, at - this.#clock.now()));
  }
}

/**
 * The position just before `id`: a cursor from which the upstream hands `id` and everything after
 * it (ids are one sequence for every channel of the broker: src/protocol/event-id.ts).
 */
function before(id: string): string | undefined {
  const parsed = parseEventId(id);
  return parsed && parsed.seq > 0 ? formatEventId(parsed.epoch, parsed.seq - 1) : undefined;
}

/** The front of a claim that gave none: behind every other. */
const LAST: Front = { visible: false, since: -Infinity };

/** Another page of the origin may post anything on the channel: only well-formed messages count. */
function isPeerMessage(data: unknown): data is PeerMessage {
  if (!data || typeof data !== 'object') return false;
  const message = data as Record<string, unknown>;
  if (typeof message.p !== 'string') return false;
  switch (message.k) {
    case 'hi':
      return isFront(message.f) && !!message.ch && typeof message.ch === 'object' && Object.values(message.ch).every(isView);
    case 'claim':
      return typeof message.c === 'string' && typeof message.t === 'number' && isFront(message.f);
    case 'mark':
      return typeof message.c === 'string' && typeof message.m === 'string';
    case 'release':
      return typeof message.c === 'string' && typeof message.t === 'number' && (message.m === undefined || typeof message.m === 'string');
    case 'ping':
      return typeof message.to === 'string';
    case 'bye':
      return true;
    default:
      return false;
  }
}

function isFront(front: unknown): front is Front {
  return !!front && typeof front === 'object' && typeof (front as Front).visible === 'boolean' && typeof (front as Front).since === 'number';
}

function isView(view: unknown): view is View {
  if (!view || typeof view !== 'object') return false;
  const { o, t, m, f } = view as Record<string, unknown>;
  return typeof t === 'number' && (o === undefined || typeof o === 'string') && (m === undefined || typeof m === 'string') && (f === undefined || isFront(f));
}
