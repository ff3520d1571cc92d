/**
 * The hub: ONE upstream connection for every tab of an origin. It keeps the union of the tabs'
 * channel interests, holds a cursor per channel (the last id delivered), fans messages out to the
 * tabs that want them, and de-duplicates by id so a reconnect or a switch-over never shows a
 * message twice. The state machine is in hub-state.ts; transports, clock, fetch and WebSocket are
 * injected (platform.ts), so this file runs unchanged in every host and under node:test.
 *
 * Channel-set changes: on SSE and long-poll a second upstream opens with the new set and the
 * current cursors, the first closes once the second is open, and de-duplication by id absorbs the
 * overlap. On a WebSocket, subscribe/unsubscribe frames change the set in place.
 */
import { isValidChannelName, channelNameProblem } from '../src/protocol/channel-name.js';
import type { ResetNotice, WireMessage } from '../src/protocol/wire.js';
import type { HubSnapshot, EventSink, HostKind, HubConfig, HubEvent, HubResult, TransportKind, UpstreamState, ChannelSnapshot, TokenProvider } from '../src/protocol/hub-api.js';
import { createBackoff, type Backoff } from './backoff.js';
import { isNewer, later } from './cursor.js';
import { canMove, publicState } from './hub-state.js';
import { Interests, sameSet } from './interests.js';
import { Outbox } from './outbox.js';
import { TokenRefresh } from './token-refresh.js';
import type { Platform, TimerId, UpstreamGate } from './platform.js';
import { TABMUX_VERSION } from '../src/protocol/version.js';
import { publishOverHttp } from './publish.js';
import type { Upstream, UpstreamFactory, UpstreamFailure, UpstreamHandlers } from './transports/types.js';
import type { TabLifecycle } from '../src/protocol/lifecycle.js';
import { SAVE_DATA_FACTOR, Visibility } from './visibility.js';
import { HeartbeatWatchdog, heartbeatWindowMs } from './heartbeat-watchdog.js';

export interface HubOptions {
  readonly host: HostKind;
  readonly config: HubConfig;
  readonly platform: Platform;
  readonly openUpstream: UpstreamFactory;
  /** How long a channel nobody wants stays on the upstream: a reload re-subscribes within it. */
  readonly lingerMs?: number;
  /** Subscriptions arriving within this window share one upstream change. */
  readonly coalesceMs?: number;
  readonly openTimeoutMs?: number;
  readonly pollTimeoutS?: number;
  readonly backoff?: { readonly baseMs?: number; readonly capMs?: number };
  /** Silence on an SSE upstream after which it counts as dead (default from `config.heartbeatS`). */
  readonly heartbeatWindowMs?: number;
  /**
   * Shared hubs (shared-worker, service-worker, leader) pass one so that two hubs of one name
   * never hold two upstreams (a deploy's old and new hub): the hub waits for it in `connecting`.
   */
  readonly upstreamGate?: UpstreamGate;
}

/** One upstream and the channels it was opened with. */
interface Slot {
  upstream: Upstream;
  readonly channels: Set<string>;
  /** Channels whose cursor was the hub's head, not a real position: a `$reset` there is noise. */
  readonly synthetic: Set<string>;
}

let hubCounter = 0;

export class Hub {
  readonly id: string;
  readonly #o: Required<Omit<HubOptions, 'backoff' | 'heartbeatWindowMs' | 'upstreamGate'>>;
  readonly #gate: UpstreamGate | undefined;
  /** The gate: undefined = not asked; a function = asked or held (calling it gives the right back). */
  #gateRelease: (() => void) | undefined;
  #gateHeld = false;
  readonly #backoff: Backoff;
  #state: UpstreamState = 'idle';
  #stateTimer: TimerId | undefined;
  #kind: TransportKind;
  readonly #tabs = new Map<string, Outbox>();
  readonly #interests = new Interests();
  /** Channels the upstream should carry: wanted by a tab, or lingering. */
  readonly #wanted = new Set<string>();
  readonly #linger = new Map<string, TimerId>();
  readonly #cursors = new Map<string, string>();
  #head: string | undefined;
  #current: Slot | undefined;
  #next: Slot | undefined;
  readonly #live = new Set<string>();
  /** Subscribe calls waiting for their channel to be live. */
  readonly #waiters = new Map<string, Array<(result: HubResult<object>) => void>>();
  #reconcileTimer: TimerId | undefined;
  #rewind = false;
  #connects = 0;
  #token: string | undefined;
  /** The last failure was a 401 with this token: a DIFFERENT token reconnects at once. */
  #refusedToken: string | undefined | null = null;
  /** Asks one tab's token function at a time (token-refresh.ts). */
  readonly #tokens: TokenRefresh;
  /** A connect waits for the first token a tab is being asked for (no 401 round trip first). */
  #awaitingToken = false;
  #firstAsk = false;
  readonly #stopOnline: (() => void) | undefined;
  readonly #stopOffline: (() => void) | undefined;
  /** Issue 6: every tab hidden for the grace → `paused`; one visible → reconnect at once. */
  readonly #visibility: Visibility;
  /** Issue 6: a silent SSE upstream (no event, no heartbeat comment) is dead. */
  readonly #watchdog: HeartbeatWatchdog;
  /** No reconnect attempts while the browser says it is offline (the worker's or a tab's view). */
  #offline = false;

  constructor(options: HubOptions) {
    const { upstreamGate, ...rest } = options;
    this.#o = { lingerMs: 1000, coalesceMs: 20, openTimeoutMs: 10_000, pollTimeoutS: 25, ...rest };
    this.#gate = upstreamGate;
    this.id = `hub-${options.platform.clock.now().toString(36)}-${(hubCounter++).toString(36)}`;
    this.#backoff = createBackoff({ ...options.backoff, random: options.platform.random });
    this.#tokens = new TokenRefresh({ clock: options.platform.clock, onToken: (token) => this.setToken(token), onFailure: (message) => this.#tokenFailed(message) });
    const { transport, transportHint } = options.config;
    this.#kind = transport === 'auto' ? (transportHint ?? 'sse') : transport;
    // One immediate attempt when the network returns, instead of waiting out the backoff.
    this.#stopOnline = options.platform.onOnline?.(() => this.#setOnline(true));
    this.#stopOffline = options.platform.onOffline?.(() => this.#setOnline(false));
    if (options.platform.isOnline?.() === false) this.#offline = true;
    this.#visibility = new Visibility({ clock: options.platform.clock, onPause: () => this.#pause(), onResume: () => this.#resume() });
    const windowMs = options.heartbeatWindowMs ?? heartbeatWindowMs(options.config.heartbeatS);
    this.#watchdog = new HeartbeatWatchdog(options.platform.clock, windowMs, () => {
      this.#current?.upstream.close();
      this.#onClosed({ code: 'TABMUX_ERR_NETWORK', message: `no heartbeat for ${windowMs} ms: the connection is taken as dead` });
    });
  }

  get state(): UpstreamState {
    return this.#state;
  }

  // ── tabs ──────────────────────────────────────────────────────────────────────────────────

  addTab(tabId: string, sink: EventSink, token?: string, tokenProvider?: TokenProvider): void {
    this.#tabs.set(tabId, new Outbox(sink));
    this.#visibility.add(tabId);
    if (tokenProvider) this.#tokens.addProvider(tabId, tokenProvider);
    if (token !== undefined && this.#token === undefined) {
      this.#token = token;
      this.#tokens.use(token);
    }
    // The first tab with a token function is asked once; later tabs do not ask again (a failed
    // ask is retried by the 401 path, paced by the backoff).
    if (tokenProvider && this.#token === undefined && !this.#firstAsk) {
      this.#firstAsk = true;
      void this.#tokens.refresh();
    }
  }

  /** A tab's fresh token. After a 401 it ends the backoff: the token was what we waited for. */
  setToken(token: string): void {
    if (this.#state === 'closed') return;
    const fresh = token !== this.#token;
    this.#token = token;
    if (fresh) {
      this.#tokens.use(token); // schedules the refresh before this one expires
      // A WebSocket takes the new token in place: no reconnect when the old one ends.
      this.#current?.upstream.reauth?.(token);
      this.#next?.upstream.reauth?.(token);
    }
    if (this.#awaitingToken) {
      this.#awaitingToken = false;
      return this.#connect();
    }
    // The same token again (a tab's cache) waits out the backoff: no tight 401 loop.
    if (this.#refusedToken !== null && token !== this.#refusedToken && this.#state === 'backoff') {
      this.#refusedToken = null;
      this.#connect();
    }
  }

  /** Forgets a tab (it said bye, or its liveness lock was released); idempotent. */
  removeTab(tabId: string): void {
    if (!this.#tabs.delete(tabId)) return;
    this.#visibility.remove(tabId);
    this.#tokens.removeProvider(tabId);
    for (const channel of this.#interests.removeTab(tabId)) this.#lingerThenDrop(channel);
  }

  /** A tab's page state (visible, frozen, online, saveData): see worker/visibility.ts. */
  setLifecycle(tabId: string, lifecycle: TabLifecycle): void {
    if (!this.#tabs.has(tabId) || this.#state === 'closed') return;
    this.#visibility.report(tabId, lifecycle);
    // A page's `navigator.onLine` is the browser's; a tab going back online ends the wait at once.
    if (lifecycle.online === this.#offline) this.#setOnline(lifecycle.online);
  }

  subscribe(tabId: string, channel: string, cursor?: string): Promise<HubResult<object>> {
    const problem = channelNameProblem(channel);
    if (problem) return Promise.resolve({ ok: false, code: 'TABMUX_ERR_BAD_CHANNEL', message: problem });
    if (!this.#tabs.has(tabId)) return Promise.resolve({ ok: false, code: 'TABMUX_ERR_CLOSED', message: 'this tab is not attached' });
    if (this.#state === 'closed') return Promise.resolve({ ok: false, code: 'TABMUX_ERR_CLOSED', message: 'the hub is closed' });
    this.#interests.add(tabId, channel);
    const lingering = this.#linger.get(channel);
    if (lingering !== undefined) {
      this.#o.platform.clock.clearTimeout(lingering);
      this.#linger.delete(channel);
    }
    this.#adoptCursor(channel, cursor);
    if (!this.#wanted.has(channel)) this.#wanted.add(channel);
    this.#reconcileSoon();
    return new Promise((resolve) => this.#whenLive(channel, resolve));
  }

  unsubscribe(tabId: string, channel: string): void {
    if (this.#interests.remove(tabId, channel)) this.#lingerThenDrop(channel);
  }

  publish(channel: string, data: unknown): Promise<HubResult<{ id: string }>> {
    if (!isValidChannelName(channel)) {
      return Promise.resolve({ ok: false, code: 'TABMUX_ERR_BAD_CHANNEL', message: channelNameProblem(channel) ?? 'bad channel' });
    }
    const upstream = this.#current?.upstream;
    if (this.#state === 'open' && upstream?.publish) return upstream.publish(channel, data);
    return publishOverHttp(this.#o.platform, this.#o.config.url, channel, data, this.#token);
  }

  debug(): HubSnapshot {
    const channels: Record<string, ChannelSnapshot> = {};
    for (const channel of this.#wanted) {
      channels[channel] = { cursor: this.#cursors.get(channel) ?? null, tabs: this.#interests.tabsOf(channel).size, live: this.#isLive(channel) };
    }
    return {
      host: this.#o.host,
      hubId: this.id,
      version: TABMUX_VERSION,
      transport: this.#current ? this.#current.upstream.kind : null,
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
    if (!this.#awaitingToken) return;
    this.#awaitingToken = false;
    this.#connect();
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
    this.#tokens.close();
    this.#closeUpstreams();
    for (const timer of [...this.#linger.values(), this.#reconcileTimer]) if (timer !== undefined) this.#o.platform.clock.clearTimeout(timer);
    this.#stopOnline?.();
    this.#stopOffline?.();
    this.#visibility.close();
    this.#setState('closed');
    for (const outbox of this.#tabs.values()) outbox.flush();
  }

  // ── interests → upstream ──────────────────────────────────────────────────────────────────

  /** A tab resuming from its own cursor (a restarted hub, a late tab) may need an older start. */
  #adoptCursor(channel: string, cursor: string | undefined): void {
    if (cursor === undefined) return;
    const carried = this.#current?.channels.has(channel) || this.#next?.channels.has(channel);
    const position = this.#cursors.get(channel) ?? (carried ? this.#head : undefined);
    if (position !== undefined && !isNewer(position, cursor)) return;
    this.#cursors.set(channel, cursor);
    // The upstream already runs past this tab's cursor: reopen from it. Tabs drop what they have.
    if (carried) this.#rewind = true;
  }

  #lingerThenDrop(channel: string): void {
    const clock = this.#o.platform.clock;
    this.#linger.set(
      channel,
      clock.setTimeout(() => {
        this.#linger.delete(channel);
        if (this.#interests.tabsOf(channel).size > 0) return;
        this.#wanted.delete(channel);
        this.#cursors.delete(channel);
        // Nobody waits for a channel that will not come: answer the calls still pending.
        for (const resolve of this.#waiters.get(channel) ?? []) resolve({ ok: false, code: 'TABMUX_ERR_CLOSED', message: 'unsubscribed before the channel was live' });
        this.#waiters.delete(channel);
        this.#reconcileSoon();
      }, this.#o.lingerMs),
    );
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
    if (this.#rewind) {
      this.#rewind = false;
      if (state === 'open' || state === 'connecting') return this.#connect();
    }
    if (state === 'idle') return this.#connect();
    if (state === 'backoff' || !this.#current) return; // the reconnect takes the new set
    if (this.#current.upstream.subscribe) return this.#changeInPlace(this.#current);
    if (sameSet(this.#current.channels, this.#wanted)) {
      this.#next?.upstream.close();
      this.#next = undefined;
      return;
    }
    if (state === 'connecting') return this.#connect();
    if (this.#next && sameSet(this.#next.channels, this.#wanted)) return;
    this.#next?.upstream.close();
    this.#next = this.#open();
  }

  #changeInPlace(slot: Slot): void {
    for (const channel of this.#wanted) {
      if (slot.channels.has(channel)) continue;
      slot.channels.add(channel);
      slot.upstream.subscribe?.(channel, this.#cursors.get(channel) ?? this.#head);
    }
    for (const channel of [...slot.channels]) {
      if (this.#wanted.has(channel)) continue;
      slot.channels.delete(channel);
      this.#live.delete(channel);
      slot.upstream.unsubscribe?.(channel);
    }
  }

  #connect(): void {
    if (this.#visibility.paused) return; // #resume connects
    if (this.#token === undefined && this.#tokens.refreshing) {
      this.#awaitingToken = true; // setToken connects
      return;
    }
    this.#closeUpstreams();
    if (this.#wanted.size === 0) return this.#setState('idle');
    if (this.#gate && !this.#gateHeld) {
      // Another hub of this name may hold the upstream (an old deploy's, retiring): wait for it.
      this.#gateRelease ??= this.#gate.acquire(() => {
        this.#gateHeld = true;
        if (this.#state === 'connecting' && !this.#current) this.#connect();
      });
      return this.#setState('connecting');
    }
    this.#current = this.#open();
    this.#setState('connecting');
  }

  #open(): Slot {
    const request = new Map<string, string | undefined>();
    const synthetic = new Set<string>();
    for (const channel of this.#wanted) {
      const cursor = this.#cursors.get(channel);
      if (cursor === undefined && this.#head !== undefined) synthetic.add(channel);
      request.set(channel, cursor ?? this.#head);
    }
    const slot: Slot = { upstream: undefined as unknown as Upstream, channels: new Set(this.#wanted), synthetic };
    const active = () => slot === this.#current || slot === this.#next;
    const handlers: UpstreamHandlers = {
      open: (head) => active() && this.#onOpen(slot, head),
      message: (message) => {
        if (!active()) return;
        if (slot === this.#current) this.#watchdog.kick();
        this.#onMessage(message);
      },
      activity: () => slot === this.#current && this.#watchdog.kick(),
      reset: (notice) => active() && !slot.synthetic.has(notice.channel) && this.#onReset(notice),
      subscribed: (channel, id) => {
        if (!active()) return;
        this.#head = later(this.#head, id);
        this.#markLive(channel);
      },
      refused: (channel, code, message) => {
        if (!active()) return;
        const event: HubEvent = { type: 'error', code, message: `${channel}: ${message}` };
        for (const tabId of this.#interests.tabsOf(channel)) this.#tabs.get(tabId)?.push(event);
      },
      retry: (ms) => this.#backoff.setServerRetry(ms),
      closed: (failure) => {
        if (slot === this.#next) this.#onSwitchFailed(failure);
        else if (slot === this.#current) this.#onClosed(failure);
      },
    };
    this.#connects++;
    const current = (): string | undefined => this.#token;
    // `token` is read when used, so a long-poll's next request carries a token refreshed meanwhile.
    const upstreamRequest = {
      url: this.#o.config.url,
      channels: request,
      openTimeoutMs: this.#o.openTimeoutMs,
      pollTimeoutS: this.#o.pollTimeoutS,
      get token() {
        return current();
      },
    };
    slot.upstream = this.#o.openUpstream(this.#kind, upstreamRequest, handlers);
    return slot;
  }

  #closeUpstreams(): void {
    this.#current?.upstream.close();
    this.#next?.upstream.close();
    this.#current = this.#next = undefined;
    this.#live.clear();
    this.#watchdog.stop();
  }

  // ── upstream events ───────────────────────────────────────────────────────────────────────

  #onOpen(slot: Slot, head: string | undefined): void {
    this.#head = later(this.#head, head);
    if (slot === this.#next) {
      // Switch-over: the new upstream has replayed from our cursors; the old one can go.
      this.#current?.upstream.close();
      this.#current = slot;
      this.#next = undefined;
      this.#live.clear();
      this.#watchSilence(slot);
    } else {
      this.#watchSilence(slot);
      this.#backoff.reset();
      this.#setState('open');
      this.#emitAll({ type: 'transport', transport: slot.upstream.kind });
    }
    for (const channel of slot.channels) this.#markLive(channel);
    this.#reconcileSoon();
  }

  #onMessage(message: WireMessage): void {
    if (!this.#wanted.has(message.channel)) return;
    // A tab's older cursor was adopted and the upstream is about to reopen from it: what the old
    // one still sends must neither move the cursors past that point nor reach the late tab
    // ahead of its gap. The reopened upstream replays it all; tabs drop what they have.
    if (this.#rewind) return;
    if (!isNewer(message.id, this.#cursors.get(message.channel))) return; // seen on the other upstream
    this.#cursors.set(message.channel, message.id);
    this.#head = later(this.#head, message.id);
    const event: HubEvent = { type: 'message', channel: message.channel, id: message.id, data: message.data };
    for (const tabId of this.#interests.tabsOf(message.channel)) this.#tabs.get(tabId)?.push(event);
  }

  #onReset(notice: ResetNotice): void {
    const event: HubEvent = { type: 'reset', channel: notice.channel, code: notice.code, message: notice.message };
    for (const tabId of this.#interests.tabsOf(notice.channel)) this.#tabs.get(tabId)?.push(event);
  }

  #onClosed(failure: UpstreamFailure): void {
    this.#closeUpstreams();
    if (failure.streamingBroken && this.#o.config.transport === 'auto' && this.#kind === 'sse') {
      this.#kind = 'poll'; // streaming is broken on this network: long-poll needs no streaming
      return this.#connect();
    }
    if (failure.fatal) this.#emitAll({ type: 'error', code: failure.code, message: failure.message });
    // RFC 6750 §3.1 invalid_token: ask the tabs for a new one; `setToken` ends the wait early.
    const tokenSuspect = failure.status === 401 || (failure.neverOpened === true && this.#token !== undefined);
    this.#refusedToken = tokenSuspect ? this.#token : null;
    if (failure.status === 401) this.#emitAll({ type: 'error', code: failure.code, message: failure.message });
    if (tokenSuspect && this.#tokens.hasProviders) void this.#tokens.refresh();
    else if (tokenSuspect) this.#emitAll({ type: 'token-needed' });
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
    this.#next = undefined;
    if (failure.fatal) this.#emitAll({ type: 'error', code: failure.code, message: failure.message });
    const delay = failure.fatal ? this.#backoff.next(30_000) : this.#backoff.next(failure.retryAfterMs);
    this.#reconcileSoon(delay);
  }

  // ── battery and network (issue 6) ─────────────────────────────────────────────────────────

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

  #setOnline(online: boolean): void {
    this.#offline = !online;
    // One immediate attempt when the network returns, instead of waiting out the backoff. (Only
    // from backoff: a second `online` finds the hub connecting and adds nothing.)
    if (online && this.#state === 'backoff') this.#connect();
  }

  // ── state ─────────────────────────────────────────────────────────────────────────────────

  /** The only writer of `#state`; `timerMs` arms the timer the new state owns (backoff). */
  #setState(next: UpstreamState, timerMs?: number): void {
    const previous = this.#state;
    if (previous !== next && !canMove(previous, next)) throw new Error(`hub: no transition ${previous} → ${next}`);
    if (this.#stateTimer !== undefined) this.#o.platform.clock.clearTimeout(this.#stateTimer);
    this.#stateTimer = undefined;
    this.#state = next;
    // No upstream in these states, nor soon: give the right to hold one back (see #connect).
    if (next === 'idle' || next === 'paused' || next === 'closed') this.#releaseGate();
    // saveData: fewer attempts on a metered network. Offline: no attempt at all; `online` connects.
    const delay = (timerMs ?? 0) * (this.#visibility.saveData ? SAVE_DATA_FACTOR : 1);
    if (next === 'backoff') this.#stateTimer = this.#o.platform.clock.setTimeout(() => this.#offline || this.#connect(), delay);
    if (publicState(previous) !== publicState(next)) this.#emitAll({ type: 'state', state: publicState(next) });
  }

  #releaseGate(): void {
    this.#gateRelease?.();
    this.#gateRelease = undefined;
    this.#gateHeld = false;
  }

  #emitAll(event: HubEvent): void {
    for (const outbox of this.#tabs.values()) outbox.push(event);
  }

  #isLive(channel: string): boolean {
    return this.#state === 'open' && this.#live.has(channel);
  }

  #markLive(channel: string): void {
    this.#live.add(channel);
    const waiters = this.#waiters.get(channel);
    if (!waiters || !this.#isLive(channel)) return;
    this.#waiters.delete(channel);
    for (const resolve of waiters) resolve({ ok: true });
  }

  #whenLive(channel: string, resolve: (result: HubResult<object>) => void): void {
    if (this.#isLive(channel) && !this.#rewind) return resolve({ ok: true });
    const waiters = this.#waiters.get(channel) ?? [];
    waiters.push(resolve);
    this.#waiters.set(channel, waiters);
  }
}
