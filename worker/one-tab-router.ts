/**
 * One-tab delivery (README, One tab per message): each message of a channel that tabs subscribed
 * with `delivery: 'one-tab'` is handed to exactly ONE of them, which acknowledges it once its
 * handlers ran. Every-tab delivery of the same channel goes on beside it, untouched (hub.ts).
 *
 * Per channel:
 *  - The owner. Whenever a message is to be handed out and the owner holds nothing
 *    unacknowledged, the owner is chosen again: the most-in-front tab (front-tabs.ts). While it
 *    holds something it keeps the channel, and it is handed more only as long as it is still the
 *    most in front; otherwise new messages wait here until it has caught up, then go to the new
 *    owner (a busy tab that went to the background does not keep the channel under a steady
 *    stream). So a channel's messages are handled in id order, one tab at a time, and what is
 *    handled is one mark: every message up to `done`.
 *  - Acknowledgements are cumulative (a tab handles what it is handed in order). Each moves
 *    `done`, and every other one-tab tab of the channel is told (`handled`): the tabs mirror the
 *    mark, and re-subscribe from it when the hub restarts.
 *  - A tab that goes (closed, crashed, navigated away, unsubscribed) before acknowledging: what it
 *    held, and what waited for it to catch up, goes to the next owner, in order, at once.
 *  - No one-tab tab left: nothing is handed out. The hub keeps `done` for HOLD_MS; the next
 *    one-tab tab within that time gets every message after it, replayed by the upstream from the
 *    server's history (a reload or a navigation to another page of the app loses nothing). After
 *    that the channel is forgotten: the next one-tab tab starts from now.
 *  - A fresh channel (most often: a hub started because the previous one died) hands nothing out
 *    until every live tab of the hub's name has finished attaching here (attach-quorum.ts), so
 *    that every mark is in, or SETTLE_MAX_MS passed (a frozen tab, or a page in the back/forward
 *    cache, does not come). The old owner alone knows how far it got past the mark the others
 *    mirror: handing those messages to a tab that came back first would run them twice.
 *  Whenever handing out becomes possible again (settled; a first tab after none), the upstream
 *  replays the channel from `done` (hub.ts: the cursor is moved back, as for a late tab's older
 *  cursor): what arrived meanwhile was handed to no one.
 */
import { isNewer } from '../src/protocol/event-id-order.js';
import type { WireMessage } from '../src/protocol/wire.js';
import type { HubEvent, OneTabSnapshot } from '../src/hub-protocol/hub-api.js';
import type { FrontTabs } from './front-tabs.js';
import type { Clock, TimerId } from './platform.js';

/** How long one-tab messages wait for a one-tab tab once the last one left: past a reload or a navigation. */
export const HOLD_MS = 60_000;
/**
 * How long a fresh channel waits for the tabs of the hub: past the re-attach of a tab whose
 * connect Chromium dropped (it says hello again after 1 s, then 2 s more: say-hello.ts).
 */
export const SETTLE_MAX_MS = 5000;
/** How often a fresh channel looks again while it waits (a tab that died meanwhile no longer counts). */
const SETTLE_POLL_MS = 100;

export interface OneTabHost {
  readonly clock: Clock;
  readonly front: FrontTabs;
  /** Posts to one tab (its outbox). */
  send(tabId: string, event: HubEvent): void;
  /** The hub's cursor of `channel`: where a channel that arrives without a mark starts. */
  cursor(channel: string): string | undefined;
  /** The upstream must hand `channel` again from after `from`. */
  replay(channel: string, from: string): void;
  /** Live tabs of the hub's name that have not finished attaching (attach-quorum.ts); absent: no tab to wait for (`direct`, no Web Locks). */
  missing?(): Promise<number>;
  /** A tab acknowledged `id` of `channel`: `done` moved there (`direct`: the other tabs are told, one-tab-peers.ts). */
  handled?(channel: string, id: string): void;
}

interface OneTabChannel {
  /** The one-tab tabs, in the order they came (ties of front-tabs.ts go to the earliest). */
  readonly tabs: Set<string>;
  /** Every message up to this id has been handled. */
  done: string | undefined;
  owner: string | undefined;
  /** Handed to the owner, not acknowledged yet, in order. */
  inFlight: WireMessage[];
  /** Waiting for the owner to catch up, to go to a tab more in front (in order, after `inFlight`). */
  waiting: WireMessage[];
  settled: boolean;
  readonly settleBy: number;
  settleTimer: TimerId | undefined;
  holdTimer: TimerId | undefined;
}

export class OneTabRouter {
  readonly #channels = new Map<string, OneTabChannel>();
  readonly #host: OneTabHost;

  constructor(host: OneTabHost) {
    this.#host = host;
  }

  /** Some tab subscribes `channel` one-tab: the upstream must carry it. */
  has(channel: string): boolean {
    return (this.#channels.get(channel)?.tabs.size ?? 0) > 0;
  }

  tabsOf(channel: string): ReadonlySet<string> {
    return this.#channels.get(channel)?.tabs ?? new Set();
  }

  /** `mark`: the tab's one-tab mark (the last `handled` it knows of), when it re-subscribes. */
  add(tabId: string, channel: string, mark: string | undefined): void {
    let state = this.#channels.get(channel);
    if (!state) {
      const { clock, missing } = this.#host;
      state = { tabs: new Set(), done: mark ?? this.#host.cursor(channel), owner: undefined, inFlight: [], waiting: [], settled: !missing, settleBy: clock.now() + SETTLE_MAX_MS, settleTimer: undefined, holdTimer: undefined };
      this.#channels.set(channel, state);
    } else if (mark !== undefined && isNewer(mark, state.done)) {
      state.done = mark; // this tab handled further than this hub knew (a hub that had to stop waiting)
    }
    if (state.tabs.has(tabId)) return;
    const first = state.tabs.size === 0;
    state.tabs.add(tabId);
    this.#clearHold(state);
    if (state.done !== undefined && state.done !== mark) this.#host.send(tabId, { type: 'handled', channel, id: state.done });
    if (first) this.#resume(channel, state);
    if (!state.settled) this.#checkSettled(channel, state);
  }

  /** True when no one-tab tab of `channel` is left. */
  remove(tabId: string, channel: string): boolean {
    const state = this.#channels.get(channel);
    if (!state?.tabs.delete(tabId)) return false;
    if (state.owner === tabId) {
      state.owner = undefined;
      const held = [...state.inFlight, ...state.waiting];
      state.inFlight = [];
      state.waiting = [];
      if (state.tabs.size > 0 && state.settled) for (const message of held) this.#hand(state, message);
    }
    if (state.tabs.size > 0) return false;
    // What was held is dropped: the next tab gets it again by the replay from `done`.
    state.holdTimer = this.#host.clock.setTimeout(() => {
      if (state.tabs.size > 0 || this.#channels.get(channel) !== state) return;
      this.#clearSettle(state);
      this.#channels.delete(channel);
    }, HOLD_MS);
    return true;
  }

  /** Forgets a tab; returns the channels with no one-tab tab left. */
  removeTab(tabId: string): string[] {
    const orphans: string[] = [];
    for (const [channel, state] of this.#channels) if (state.tabs.has(tabId) && this.remove(tabId, channel)) orphans.push(channel);
    return orphans;
  }

  /** A message the hub has not delivered before (its cursors de-duplicate); true when a tab was handed it, or it waits for one. */
  message(message: WireMessage): boolean {
    const state = this.#channels.get(message.channel);
    if (!state?.settled || state.tabs.size === 0) return false;
    if (!isNewer(message.id, (state.waiting.at(-1) ?? state.inFlight.at(-1))?.id ?? state.done)) return false; // replayed: handed out already
    this.#hand(state, message);
    return true;
  }

  /**
   * `direct` (one-tab-peers.ts): where handling stands across the tabs, each its own hub, while
   * this hub holds nothing of `channel`; `done` follows it, back too (what comes next was handled
   * by no tab, though this hub's own cursor may be past it).
   */
  align(channel: string, done: string): void {
    const state = this.#channels.get(channel);
    if (state && state.inFlight.length === 0 && state.waiting.length === 0) state.done = done;
  }

  /** `tabId` ran its handlers for `id` of `channel` and everything it was handed before. */
  handled(tabId: string, channel: string, id: string): void {
    const state = this.#channels.get(channel);
    if (!state || state.owner !== tabId) return;
    const index = state.inFlight.findIndex((message) => message.id === id);
    if (index < 0) return;
    state.inFlight.splice(0, index + 1);
    state.done = id;
    for (const tab of state.tabs) if (tab !== tabId) this.#host.send(tab, { type: 'handled', channel, id });
    if (state.inFlight.length === 0) {
      const waiting = state.waiting; // caught up: the tab now in front takes over
      state.waiting = [];
      for (const message of waiting) this.#hand(state, message);
    }
    this.#host.handled?.(channel, id);
  }

  snapshot(channel: string): OneTabSnapshot | undefined {
    const state = this.#channels.get(channel);
    return state && { tabs: state.tabs.size, handled: state.done ?? null, inFlight: state.inFlight.length, waiting: state.waiting.length, settled: state.settled };
  }

  close(): void {
    for (const state of this.#channels.values()) {
      this.#clearHold(state);
      this.#clearSettle(state);
    }
    this.#channels.clear();
  }

  #hand(state: OneTabChannel, message: WireMessage): void {
    if (state.inFlight.length === 0) {
      state.owner = this.#host.front.best(state.tabs);
    } else if (state.waiting.length > 0 || this.#host.front.best(state.tabs) !== state.owner) {
      state.waiting.push(message);
      return;
    }
    if (state.owner === undefined) return;
    state.inFlight.push(message);
    this.#host.send(state.owner, { type: 'one-tab', channel: message.channel, id: message.id, data: message.data });
  }

  /** Handing out is possible again: what arrived meanwhile comes again from the upstream. */
  #resume(channel: string, state: OneTabChannel): void {
    if (state.done !== undefined) this.#host.replay(channel, state.done);
  }

  #checkSettled(channel: string, state: OneTabChannel): void {
    this.#clearSettle(state);
    const { clock, missing } = this.#host;
    void missing!()
      .catch(() => 0)
      .then((count) => {
        if (state.settled || this.#channels.get(channel) !== state) return;
        if (count === 0 || clock.now() >= state.settleBy) return this.#settle(channel, state);
        state.settleTimer ??= clock.setTimeout(() => {
          state.settleTimer = undefined;
          this.#checkSettled(channel, state);
        }, SETTLE_POLL_MS);
      });
  }

  #settle(channel: string, state: OneTabChannel): void {
    state.settled = true;
    this.#clearSettle(state);
    if (state.tabs.size > 0) this.#resume(channel, state);
  }

  #clearSettle(state: OneTabChannel): void {
    if (state.settleTimer !== undefined) this.#host.clock.clearTimeout(state.settleTimer);
    state.settleTimer = undefined;
  }

  #clearHold(state: OneTabChannel): void {
    if (state.holdTimer !== undefined) this.#host.clock.clearTimeout(state.holdTimer);
    state.holdTimer = undefined;
  }
}
