/**
 * The hub: ONE upstream connection for every tab of an origin. It keeps the union of the tabs'
 * channel interests, holds a cursor per channel (the last id delivered), fans messages out to the
 * tabs that want them, and de-duplicates by id so a reconnect or a switch-over never shows a
 * message twice. The state machine is in hub-state.ts; transports, clock, fetch and WebSocket are
 * injected (platform.ts), so this file runs unchanged in every host and under node:test.
 *
 * Channel-set changes: on SSE and long-poll a second upstream opens with the new set and the
 * current cursors, the first closes once the second is open, and de-duplication by id absorbs the
 * overlap (upstream-slots.ts). On a WebSocket, subscribe/unsubscribe frames change the set in place.
 *
 * Its parts, one concern each: channel-cursors.ts (cursors, head, rewind, de-duplication),
 * live-channels.ts (subscribe answers), upstream-slots.ts (current/next upstream), hub-token.ts
 * (token and 401s), gate-hold.ts (one upstream per hub name), wanted-channels.ts (what the upstream
 * carries, lingering), visibility.ts, heartbeat-watchdog.ts, online-watch.ts, one-tab-router.ts,
 * front-tabs.ts and attach-quorum.ts (one-tab delivery), and on the `direct` host one-tab-peers.ts
 * (one-tab delivery across tabs that each run a hub of their own; given by the in-page runtime).
 */
import { channelNameProblem } from '../src/protocol/channel-name.js';
import { later } from '../src/protocol/event-id-order.js';
import type { WireMessage } from '../src/protocol/wire.js';
import type { HubSnapshot, EventSink, HubEvent, HubResult, TransportKind, UpstreamState, ChannelSnapshot, TokenProvider, Delivery } from '../src/hub-protocol/hub-api.js';
import { createBackoff, type Backoff } from './backoff.js';
import { ChannelCursors } from './channel-cursors.js';
import { LiveChannels } from './live-channels.js';
import { changeInPlace, UpstreamSlots, type Slot } from './upstream-slots.js';
import { canMove, publicState } from './hub-state.js';
import { Interests, sameSet } from './interests.js';
import { Outbox } from './outbox.js';
import { HubToken } from './hub-token.js';
import type { TimerId } from './platform.js';
import { GateHold } from './gate-hold.js';
import { withDefaults, type HubOptions, type ResolvedHubOptions } from './hub-options.js';
import { TABMUX_VERSION } from '../src/protocol/version.js';
import { publishOverHttp } from './publish.js';
import type { UpstreamFailure } from './transports/types.js';
import type { TabLifecycle } from '../src/hub-protocol/lifecycle.js';
import { SAVE_DATA_FACTOR, Visibility } from './visibility.js';
import { HeartbeatWatchdog, heartbeatWindowMs } from './heartbeat-watchdog.js';
import { FrontTabs } from './front-tabs.js';
import { OneTabRouter } from './one-tab-router.js';
import { attachQuorumFor, type AttachQuorum } from './attach-quorum.js';
import type { OneTabPeersApi } from './one-tab-peers.js';
import { WantedChannels } from './wanted-channels.js';
import { OnlineWatch } from './online-watch.js';

export type { HubOptions } from './hub-options.js';

let hubCounter = 0;

export class Hub {
  readonly id: string;
  readonly #o: ResolvedHubOptions;
  readonly #gate: GateHold;
  readonly #backoff: Backoff;
  #state: UpstreamState = 'idle';
  #stateTimer: TimerId | undefined;
  #kind: TransportKind;
  readonly #tabs = new Map<string, Outbox>();
  /** Every-tab subscriptions; the one-tab ones are the router's. */
  readonly #interests = new Interests();
  readonly #front: FrontTabs;
  readonly #oneTab: OneTabRouter;
  /** Which live tabs of this hub's name finished attaching here; none in `direct` or without Web Locks. */
  readonly #quorum: AttachQuorum | undefined;
  /** `direct`: one-tab delivery across the tabs of the name, each its own hub; the router then serves this page's tabs. */
  readonly #peers: OneTabPeersApi | undefined;
  /** Channels the upstream should carry: wanted by a tab, or lingering. */
  readonly #wanted: WantedChannels;
  readonly #cursors = new ChannelCursors();
  readonly #slots: UpstreamSlots;
  readonly #live = new LiveChannels(() => this.#state === 'open');
  #reconcileTimer: TimerId | undefined;
  #connects = 0;
  readonly #token: HubToken;
  /** Battery (README, pauseWhenHidden): every tab hidden for the grace → `paused`; one visible → reconnect at once. */
  readonly #visibility: Visibility;
  /** Heartbeats (README, Heartbeats and dead connections): a silent SSE upstream (no event, no heartbeat comment) is dead. */
  readonly #watchdog: HeartbeatWatchdog;
  /** No reconnect attempts while the browser says it is offline (the worker's or a tab's view). */
  readonly #network: OnlineWatch;

  constructor(options: HubOptions) {
    const { upstreamGate, oneTabPeers, ...rest } = options;
    this.#o = withDefaults(rest);
    this.#wanted = new WantedChannels(options.platform.clock, this.#o.lingerMs);
    this.#gate = new GateHold(upstreamGate);
    this.id = `hub-${options.platform.clock.now().toString(36)}-${(hubCounter++).toString(36)}`;
    this.#backoff = createBackoff({ ...options.backoff, random: options.platform.random });
    this.#token = new HubToken({ clock: options.platform.clock, onToken: (token) => this.setToken(token), onFailure: (message) => this.#tokenFailed(message) });
    const { transport, transportHint } = options.config;
    this.#kind = transport === 'auto' ? (transportHint ?? 'sse') : transport;
    this.#slots = new UpstreamSlots(
      {
        open: (slot, head) => this.#onOpen(slot, head),
        message: (message) => this.#onMessage(message),
        alive: () => this.#watchdog.kick(),
        reset: ({ channel, code, message }) => this.#emitTo(channel, { type: 'reset', channel, code, message }),
        subscribed: (channel, id) => {
          this.#cursors.seen(id);
          this.#live.mark(channel);
        },
        refused: (channel, code, message) => this.#emitTo(channel, { type: 'error', code, message: `${channel}: ${message}` }),
        retry: (ms) => this.#backoff.setServerRetry(ms),
        closed: (failure) => this.#onClosed(failure),
        switchFailed: (failure) => this.#onSwitchFailed(failure),
      },
      options.openUpstream,
    );
    // One immediate attempt when the network returns, instead of waiting out the backoff. (Only
    // from backoff: a second `online` finds the hub connecting and adds nothing.)
    this.#network = new OnlineWatch(options.platform, () => this.#state === 'backoff' && this.#connect());
    this.#visibility = new Visibility({ clock: options.platform.clock, onPause: () => this.#pause(), onResume: () => this.#resume() });
    const windowMs = options.heartbeatWindowMs ?? heartbeatWindowMs(options.config.heartbeatS);
    this.#watchdog = new HeartbeatWatchdog(options.platform.clock, windowMs, () => {
      this.#slots.current?.upstream.close();
      this.#onClosed({ code: 'TABMUX_ERR_NETWORK', message: `no heartbeat for ${windowMs} ms: the connection is taken as dead` });
    });
    this.#front = new FrontTabs(options.platform.clock);
    const quorum = (this.#quorum = attachQuorumFor(options));
    this.#oneTab = new OneTabRouter({
      clock: options.platform.clock,
      front: this.#front,
      send: (tabId, event) => this.#tabs.get(tabId)?.push(event),
      cursor: (channel) => this.#cursors.get(channel),
      replay: (channel, from) => this.#replay(channel, from),
      ...(quorum && { missing: () => quorum.missing() }),
      handled: (channel, id) => this.#peers?.handled(channel, id),
    });
    this.#peers = oneTabPeers?.({
      clock: options.platform.clock,
      hand: (message, mark) => {
        if (mark !== undefined) this.#oneTab.align(message.channel, mark);
        return this.#oneTab.message(message);
      },
      cursor: (channel) => this.#cursors.get(channel),
      replay: (channel, from) => this.#replay(channel, from),
    });
  }

  get state(): UpstreamState {
    return this.#state;
  }

  // ── tabs ──────────────────────────────────────────────────────────────────────────────────

  /** `lockName`: the tab's liveness lock (tab-server.ts), by which a fresh hub knows it (attach-quorum.ts). */
  addTab(tabId: string, sink: EventSink, token?: string, tokenProvider?: TokenProvider, lockName?: string): void {
    this.#tabs.set(tabId, new Outbox(sink));
    this.#visibility.add(tabId);
    this.#front.add(tabId);
    this.#quorum?.add(tabId, lockName);
    this.#token.addTab(tabId, token, tokenProvider);
  }

  /** A tab's fresh token. After a 401 it ends the backoff: the token was what we waited for. */
  setToken(token: string): void {
    if (this.#state === 'closed') return;
    if (this.#token.take(token)) {
      // A WebSocket takes the new token in place: no reconnect when the old one ends.
      this.#slots.current?.upstream.reauth?.(token);
      this.#slots.next?.upstream.reauth?.(token);
    }
    if (this.#token.unblocks(token, this.#state === 'backoff')) this.#connect();
  }

  /** Forgets a tab (it said bye, or its liveness lock was released); idempotent. */
  removeTab(tabId: string): void {
    if (!this.#tabs.delete(tabId)) return;
    this.#visibility.remove(tabId);
    this.#front.remove(tabId);
    this.#quorum?.remove(tabId);
    this.#token.removeTab(tabId);
    const oneTabLeft = this.#oneTab.removeTab(tabId);
    for (const channel of oneTabLeft) this.#peers?.leave(channel);
    for (const channel of new Set([...this.#interests.removeTab(tabId), ...oneTabLeft])) this.#lingerThenDrop(channel);
  }

  /** A tab's page state (visible, frozen, online, saveData): see worker/visibility.ts. */
  setLifecycle(tabId: string, lifecycle: TabLifecycle): void {
    if (!this.#tabs.has(tabId) || this.#state === 'closed') return;
    this.#visibility.report(tabId, lifecycle);
    this.#front.report(tabId, lifecycle.visible);
    this.#peers?.visible(lifecycle.visible);
    this.#quorum?.attached(tabId);
    // A page's `navigator.onLine` is the browser's; a tab going back online ends the wait at once.
    this.#network.report(lifecycle.online);
  }

  /** `one-tab`: `cursor` is the tab's one-tab mark, which the router takes (one-tab-router.ts). */
  subscribe(tabId: string, channel: string, cursor?: string, delivery: Delivery = 'every-tab'): Promise<HubResult<object>> {
    const problem = channelNameProblem(channel);
    if (problem) return Promise.resolve({ ok: false, code: 'TABMUX_ERR_BAD_CHANNEL', message: problem });
    if (!this.#tabs.has(tabId)) return Promise.resolve({ ok: false, code: 'TABMUX_ERR_CLOSED', message: 'this tab is not attached' });
    if (this.#state === 'closed') return Promise.resolve({ ok: false, code: 'TABMUX_ERR_CLOSED', message: 'the hub is closed' });
    this.#wanted.want(channel);
    if (delivery === 'one-tab') {
      // `direct`: the tab's mark is this very hub's (they live and die together); the tabs' common one is the peers'.
      this.#oneTab.add(tabId, channel, this.#peers ? undefined : cursor);
      this.#peers?.join(channel);
    } else {
      this.#interests.add(tabId, channel);
      this.#cursors.adopt(channel, cursor, this.#slots.carries(channel));
    }
    this.#reconcileSoon();
    return new Promise((resolve) => this.#live.when(channel, resolve, this.#cursors.rewind));
  }

  unsubscribe(tabId: string, channel: string, delivery: Delivery = 'every-tab'): void {
    const oneTab = delivery === 'one-tab';
    if (!(oneTab ? this.#oneTab.remove(tabId, channel) : this.#interests.remove(tabId, channel))) return;
    if (oneTab) this.#peers?.leave(channel);
    this.#lingerThenDrop(channel);
  }

  /** A tab's handlers ran for the one-tab message `id` of `channel` (and all it was handed before). */
  handled(tabId: string, channel: string, id: string): void {
    this.#oneTab.handled(tabId, channel, id);
  }

  publish(channel: string, data: unknown): Promise<HubResult<{ id: string }>> {
    const problem = channelNameProblem(channel);
    if (problem) return Promise.resolve({ ok: false, code: 'TABMUX_ERR_BAD_CHANNEL', message: problem });
    const upstream = this.#slots.current?.upstream;
    if (this.#state === 'open' && upstream?.publish) return upstream.publish(channel, data);
    return publishOverHttp(this.#o.platform, this.#o.config.url, channel, data, this.#token.value);
  }

  debug(): HubSnapshot {
    const channels: Record<string, ChannelSnapshot> = {};
    for (const channel of this.#wanted) {
      let oneTab = this.#oneTab.snapshot(channel);
      const across = this.#peers?.snapshot(channel);
      // `direct`: where handling stands across the tabs, and how they share it.
      if (oneTab && across) oneTab = { ...oneTab, handled: later(oneTab.handled ?? undefined, this.#peers!.mark(channel)) ?? null, across };
      channels[channel] = { cursor: this.#cursors.get(channel) ?? null, tabs: this.#interests.tabsOf(channel).size, live: this.#live.has(channel), ...(oneTab && { oneTab }) };
    }
    return {
      host: this.#o.host,
      hubId: this.id,
      version: TABMUX_VERSION,
      transport: this.#slots.current ? this.#slots.current.upstream.kind : null,
      transportOption: this.#o.config.transport,
      upstream: this.#state,
      state: publicState(this.#state),
      channels,
      tabs: this.#tabs.size,
      connects: this.#connects,
    };
  }

  /**
   * No tab gave a token: every tab gets TABMUX_ERR_UNAUTHORIZED. A connect that waited goes ahead
   * (the server decides); its 401 then runs through the backoff, which paces the next ask.
   */
  #tokenFailed(message: string): void {
    this.#emitAll({ type: 'error', code: 'TABMUX_ERR_UNAUTHORIZED', message: `cannot get a token: ${message}` });
    if (this.#token.giveUp()) this.#connect();
  }

  /**
   * A newer hub takes over (worker/hub-succession.ts): every tab learns where it lives, then this
   * hub closes — its upstream and the upstream gate with it, so the newer hub can open at once.
   */
  retire(workerUrl: string): void {
    // Also when closed already: a tab attaching late must learn it too (a repeat is harmless).
    this.#emitAll({ type: 'moved', workerUrl });
    this.close();
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#token.close();
    this.#closeUpstreams();
    this.#wanted.close();
    if (this.#reconcileTimer !== undefined) this.#o.platform.clock.clearTimeout(this.#reconcileTimer);
    this.#network.close();
    this.#visibility.close();
    this.#oneTab.close();
    this.#peers?.close();
    this.#setState('closed');
    for (const outbox of this.#tabs.values()) outbox.flush();
  }

  // ── interests → upstream ──────────────────────────────────────────────────────────────────

  /** No tab of one kind wants `channel` any more: it leaves the upstream after the linger, unless a tab (of either kind) wants it by then. */
  #lingerThenDrop(channel: string): void {
    this.#wanted.lingerThenDrop(
      channel,
      () => this.#interests.tabsOf(channel).size > 0 || this.#oneTab.has(channel),
      () => {
        this.#cursors.forget(channel);
        this.#live.abandon(channel);
        this.#reconcileSoon();
      },
    );
  }

  /** `channel` must come again from after `from` (one-tab: handed to no tab yet): the cursor moves back, as for a late tab's older cursor. */
  #replay(channel: string, from: string): void {
    this.#cursors.adopt(channel, from, this.#slots.carries(channel));
    this.#reconcileSoon();
  }

  #reconcileSoon(delayMs = this.#o.coalesceMs): void {
    if (this.#reconcileTimer !== undefined) return;
    this.#reconcileTimer = this.#o.platform.clock.setTimeout(() => {
      this.#reconcileTimer = undefined;
      this.#reconcile();
    }, delayMs);
  }

  #reconcile(): void {
    const state = this.#state;
    if (state === 'closed' || state === 'paused') return;
    if (this.#wanted.size === 0) {
      this.#closeUpstreams();
      if (state !== 'idle') this.#setState('idle');
      return;
    }
    if (this.#cursors.rewind) {
      this.#cursors.rewind = false;
      if (state === 'open' || state === 'connecting') return this.#connect();
    }
    if (state === 'idle') return this.#connect();
    const { current, next } = this.#slots;
    if (state === 'backoff' || !current) return; // the reconnect takes the new set
    if (current.upstream.subscribe) return changeInPlace(current, this.#wanted, (channel) => this.#cursors.start(channel), (channel) => this.#live.delete(channel));
    if (sameSet(current.channels, this.#wanted)) return this.#slots.dropNext();
    if (state === 'connecting') return this.#connect();
    if (next && sameSet(next.channels, this.#wanted)) return;
    next?.upstream.close();
    this.#slots.next = this.#open();
  }

  #connect(): void {
    if (this.#visibility.paused) return; // #resume connects
    if (this.#token.mustWait()) return; // setToken connects
    this.#closeUpstreams();
    if (this.#wanted.size === 0) return this.#setState('idle');
    // Another hub of this name may hold the upstream (an old deploy's, retiring): wait for it.
    const granted = () => this.#state === 'connecting' && !this.#slots.current && this.#connect();
    if (!this.#gate.mayOpen(granted)) return this.#setState('connecting');
    this.#slots.current = this.#open();
    this.#setState('connecting');
  }

  #open(): Slot {
    const { request, synthetic } = this.#cursors.request(this.#wanted);
    this.#connects++;
    const token = this.#token;
    // `token` is read when used, so a long-poll's next request carries a token refreshed meanwhile.
    const upstreamRequest = {
      url: this.#o.config.url,
      channels: request,
      openTimeoutMs: this.#o.openTimeoutMs,
      pollTimeoutS: this.#o.pollTimeoutS,
      get token() {
        return token.value;
      },
    };
    return this.#slots.open(this.#kind, upstreamRequest, synthetic);
  }

  #closeUpstreams(): void {
    this.#slots.closeAll();
    this.#live.clear();
    this.#watchdog.stop();
  }

  // ── upstream events ───────────────────────────────────────────────────────────────────────

  #onOpen(slot: Slot, head: string | undefined): void {
    this.#cursors.seen(head);
    if (slot === this.#slots.next) {
      this.#slots.promote(slot); // switch-over: the old upstream can go
      this.#live.clear();
      this.#watchSilence(slot);
    } else {
      this.#watchSilence(slot);
      this.#backoff.reset();
      this.#setState('open');
      this.#emitAll({ type: 'transport', transport: slot.upstream.kind });
    }
    for (const channel of slot.channels) this.#live.mark(channel);
    this.#reconcileSoon();
  }

  #onMessage(message: WireMessage): void {
    if (!this.#wanted.has(message.channel)) return;
    // A tab's older cursor was adopted and the upstream is about to reopen from it: what the old
    // one still sends must neither move the cursors past that point nor reach the late tab
    // ahead of its gap. The reopened upstream replays it all; tabs drop what they have.
    if (this.#cursors.rewind) return;
    if (!this.#cursors.advance(message.channel, message.id)) return; // seen on the other upstream
    const event: HubEvent = { type: 'message', channel: message.channel, id: message.id, data: message.data };
    for (const tabId of this.#interests.tabsOf(message.channel)) this.#tabs.get(tabId)?.push(event);
    if (this.#peers) this.#peers.message(message);
    else this.#oneTab.message(message);
  }

  #onClosed(failure: UpstreamFailure): void {
    this.#closeUpstreams();
    if (failure.streamingBroken && this.#o.config.transport === 'auto' && this.#kind === 'sse') {
      this.#kind = 'poll'; // streaming is broken on this network: long-poll needs no streaming
      return this.#connect();
    }
    if (failure.fatal) this.#emitAll({ type: 'error', code: failure.code, message: failure.message });
    // RFC 6750 §3.1 invalid_token: ask the tabs for a new one; `setToken` ends the wait early.
    const tokenSuspect = this.#token.suspect(failure);
    if (failure.status === 401) this.#emitAll({ type: 'error', code: failure.code, message: failure.message });
    if (tokenSuspect && !this.#token.renew()) this.#emitAll({ type: 'token-needed' });
    if (this.#wanted.size === 0) return this.#setState('idle');
    const delay = failure.fatal ? this.#backoff.next(30_000) : this.#backoff.next(failure.retryAfterMs);
    this.#setState('backoff', delay);
  }

  /**
   * The second upstream of a switch-over failed: the first still serves every other channel, so
   * keep it and try the switch again after a backoff delay (a refused channel must not take the
   * healthy ones down with it).
   */
  #onSwitchFailed(failure: UpstreamFailure): void {
    this.#slots.next = undefined;
    if (failure.fatal) this.#emitAll({ type: 'error', code: failure.code, message: failure.message });
    const delay = failure.fatal ? this.#backoff.next(30_000) : this.#backoff.next(failure.retryAfterMs);
    this.#reconcileSoon(delay);
  }

  // ── battery and network (README, Battery and network) ─────────────────────────────────────────────────────────

  /** Only SSE: the server's `:` comments are the heartbeat a page can see (WebSocket pings are not). */
  #watchSilence(slot: Slot): void {
    if (slot.upstream.kind === 'sse') this.#watchdog.start();
    else this.#watchdog.stop();
  }

  #pause(): void {
    if (this.#state === 'closed' || this.#state === 'paused') return;
    if (this.#reconcileTimer !== undefined) this.#o.platform.clock.clearTimeout(this.#reconcileTimer);
    this.#reconcileTimer = undefined;
    this.#closeUpstreams();
    this.#setState('paused');
  }

  /** At once, no backoff: the cursors make the new upstream replay what was published meanwhile. */
  #resume(): void {
    if (this.#state !== 'paused') return;
    this.#backoff.reset();
    this.#connect();
  }

  // ── state ─────────────────────────────────────────────────────────────────────────────────

  /** The only writer of `#state`; `timerMs` arms the timer the new state owns (backoff). */
  #setState(next: UpstreamState, timerMs?: number): void {
    const previous = this.#state;
    if (previous !== next && !canMove(previous, next)) throw new Error(`hub: no transition ${previous} → ${next}`);
    if (this.#stateTimer !== undefined) this.#o.platform.clock.clearTimeout(this.#stateTimer);
    this.#stateTimer = undefined;
    this.#state = next;
    if (previous === 'paused' || next === 'paused') this.#peers?.paused(next === 'paused');
    // No upstream in these states, nor soon: give the right to hold one back (see #connect).
    if (next === 'idle' || next === 'paused' || next === 'closed') this.#gate.release();
    // saveData: fewer attempts on a metered network. Offline: no attempt at all; `online` connects.
    const delay = (timerMs ?? 0) * (this.#visibility.saveData ? SAVE_DATA_FACTOR : 1);
    if (next === 'backoff') this.#stateTimer = this.#o.platform.clock.setTimeout(() => this.#network.offline || this.#connect(), delay);
    if (publicState(previous) !== publicState(next)) this.#emitAll({ type: 'state', state: publicState(next) });
  }

  #emitAll(event: HubEvent): void {
    for (const outbox of this.#tabs.values()) outbox.push(event);
  }

  /** To the tabs that subscribe `channel`, of either delivery. */
  #emitTo(channel: string, event: HubEvent): void {
    for (const tabId of new Set([...this.#interests.tabsOf(channel), ...this.#oneTab.tabsOf(channel)])) this.#tabs.get(tabId)?.push(event);
  }
}
