/**
 * `connect()`: the client every tab uses (CONTRACT.md "The client"). It attaches to a hub through
 * a host (attach.ts, hosts/), keeps its own handlers and cursors (local-channels.ts), and
 * re-attaches from those cursors when the hub dies, so a restarted SharedWorker loses and repeats
 * nothing. Its options are checked in connect-options.ts.
 */
import type { Remote } from 'comlink';
import { channelNameProblem } from './protocol/channel-name.js';
import type { DebugSnapshot, HostOption, HubApi, HubEvent, MuxState, TransportKind, TransportOption } from './protocol/hub-api.js';
import { TabmuxError, type ClientErrorCode } from './errors.js';
import { attach, detach, type Attachment, type AttachOptions } from './attach.js';
import { checkOptions } from './connect-options.js';
import { LocalChannels, surface, type MessageHandler } from './local-channels.js';
import { deferred, type Ready } from './ready.js';
import { holdTabLock, type HeldLock } from './tab-lock.js';
import { rememberTransport } from './transport-memory.js';
import { watchPageLifecycle, type PageLifecycle } from './page-lifecycle.js';
import { compareVersions, TABMUX_VERSION } from './protocol/version.js';

export interface ConnectOptions {
  /** Push server base URL (may be another origin: CORS). */
  readonly url: string;
  /** URL of the hub script on this origin. */
  readonly worker?: string;
  readonly transport?: TransportOption;
  readonly host?: HostOption;
  /** A JWT for the server: a string, or a function called again whenever the server answers 401. */
  readonly token?: string | (() => string | Promise<string>);
  /**
   * Seconds every tab of the hub may stay hidden or frozen before the upstream closes (state
   * `paused`); it reopens at once when a tab is visible again. `false`: never. Default 60.
   */
  readonly pauseWhenHidden?: number | false;
  /** Keep the upstream open while this tab is hidden (a call in progress). Default false. */
  readonly keepAliveWhenHidden?: boolean;
  /** Seconds between the server's heartbeats (its `--heartbeat`, default 25): 2× + 5 s of silence is a dead connection. */
  readonly heartbeat?: number;
}

export interface SubscribeOptions {
  /** While this subscription lives, keep the upstream open when every tab is hidden. */
  readonly keepAliveWhenHidden?: boolean;
}

export interface Subscription {
  readonly channel: string;
  /** Resolves once the upstream carries the channel: every message published after is delivered. */
  readonly ready: Promise<void>;
  unsubscribe(): void;
}

export interface MuxEvents {
  state: MuxState;
  /** History no longer reaches back to this tab's cursor: messages may have been missed. */
  reset: { readonly channel: string; readonly code: ClientErrorCode; readonly message: string };
  /** The server refused the upstream for a reason retrying will not fix (bad channel, 403…). */
  error: TabmuxError;
}

export interface Mux {
  readonly state: MuxState;
  subscribe(channel: string, handler: MessageHandler, options?: SubscribeOptions): Subscription;
  publish(channel: string, data: unknown): Promise<{ id: string }>;
  on<K extends keyof MuxEvents>(event: K, listener: (value: MuxEvents[K]) => void): () => void;
  /** A snapshot of the hub (host, version, transport, upstream state, channels and cursors, tabs) and of how the host was chosen. */
  debug(): Promise<DebugSnapshot>;
  close(): void;
}

export function connect(options: ConnectOptions): Mux {
  return new Client(options);
}

class Client implements Mux {
  #state: MuxState = 'connecting';
  readonly #channels = new LocalChannels();
  readonly #ready = new Map<string, Ready>();
  readonly #listeners = new Map<keyof MuxEvents, Set<(value: never) => void>>();
  readonly #lock: HeldLock;
  /** What every hello says (attach.ts); a hub's `moved` changes where the next one goes. */
  readonly #hello: AttachOptions;
  readonly #keepAliveWhenHidden: boolean;
  /** Live subscriptions made with `keepAliveWhenHidden`. */
  #keepAliveSubscriptions = 0;
  readonly #page: PageLifecycle;
  /** Attachments left for the back/forward cache: their hub's death is no longer ours to handle. */
  readonly #left = new WeakSet<Attachment>();
  #attachment: Promise<Attachment>;
  #closed = false;

  constructor(options: ConnectOptions) {
    const { pauseAfterMs, ...checked } = checkOptions(options);
    this.#keepAliveWhenHidden = options.keepAliveWhenHidden === true;
    this.#page = watchPageLifecycle({
      pauseAfterMs,
      keepAlive: () => this.#keepAliveWhenHidden || this.#keepAliveSubscriptions > 0,
      onChange: (report) => {
        if (!this.#closed) void this.#attachment.then(({ api }) => api.lifecycle(report)).catch(() => undefined);
      },
      onEnterCache: () => this.#enterCache(),
      onLeaveCache: () => this.#leaveCache(),
    });
    this.#lock = holdTabLock(`tabmux-tab:${crypto.randomUUID()}`);
    this.#hello = {
      ...checked,
      lockName: this.#lock.name,
      acceptOlder: false,
      freshToken: () => this.#freshToken(),
      lifecycle: () => this.#page.report(),
      onEvent: (event) => this.#onHubEvent(event),
    };
    this.#attachment = this.#attach();
  }

  get state(): MuxState {
    return this.#state;
  }

  subscribe(channel: string, handler: MessageHandler, options?: SubscribeOptions): Subscription {
    const problem = channelNameProblem(channel);
    if (problem) throw new TabmuxError('TABMUX_ERR_BAD_CHANNEL', problem);
    if (typeof handler !== 'function') throw new TabmuxError('TABMUX_ERR_BAD_OPTIONS', 'subscribe needs a handler function');
    if (this.#closed) throw new TabmuxError('TABMUX_ERR_CLOSED', 'this mux is closed');
    if (this.#channels.add(channel, handler)) {
      this.#ready.set(channel, deferred());
      // Before attach finished, #attached subscribes it with the others (a repeat is harmless).
      this.#attachment.then(({ api }) => this.#subscribeOn(api, channel), (error: unknown) => this.#ready.get(channel)?.settle(error));
    }
    const { ready } = this.#ready.get(channel)!;
    let active = true;
    const keepAlive = options?.keepAliveWhenHidden === true;
    if (keepAlive && this.#keepAliveSubscriptions++ === 0) this.#page.changed();
    return {
      channel,
      ready,
      unsubscribe: () => {
        if (!active) return;
        active = false;
        if (keepAlive && --this.#keepAliveSubscriptions === 0) this.#page.changed();
        if (!this.#channels.remove(channel, handler)) return;
        this.#ready.delete(channel);
        if (!this.#closed) void this.#attachment.then(({ api }) => api.unsubscribe(channel)).catch(() => undefined);
      },
    };
  }

  async publish(channel: string, data: unknown): Promise<{ id: string }> {
    const problem = channelNameProblem(channel);
    if (problem) throw new TabmuxError('TABMUX_ERR_BAD_CHANNEL', problem);
    if (this.#closed) throw new TabmuxError('TABMUX_ERR_CLOSED', 'this mux is closed');
    const { api, gone } = await this.#attachment;
    const hubGone = gone.then(() => ({ ok: false as const, code: 'TABMUX_ERR_HUB_GONE' as const, message: 'the hub stopped while publishing; the message may or may not have been published' }));
    const result = await Promise.race([api.publish(channel, data), hubGone]);
    if (!result.ok) throw new TabmuxError(result.code, result.message);
    return { id: result.id };
  }

  on<K extends keyof MuxEvents>(event: K, listener: (value: MuxEvents[K]) => void): () => void {
    let listeners = this.#listeners.get(event);
    if (!listeners) this.#listeners.set(event, (listeners = new Set()));
    listeners.add(listener as (value: never) => void);
    return () => listeners.delete(listener as (value: never) => void);
  }

  async debug(): Promise<DebugSnapshot> {
    if (this.#closed) throw new TabmuxError('TABMUX_ERR_CLOSED', 'this mux is closed');
    const attaching = this.#attachment;
    const { api, choice, gone } = await attaching;
    // A hub that ends meanwhile never answers: ask the next one (#reattach has run by then).
    const snapshot = await Promise.race([api.debug(), gone.then(() => undefined)]);
    if (snapshot) return { ...snapshot, hostChoice: choice };
    if (this.#attachment === attaching) throw new TabmuxError('TABMUX_ERR_HUB_GONE', 'the hub stopped');
    return this.debug();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#page.stop();
    this.#setState('closed');
    void this.#attachment
      .then(detach)
      .catch(() => undefined)
      .finally(() => this.#lock.release());
  }

  // ── attaching ─────────────────────────────────────────────────────────────────────────────

  /** Walks the hosts (again after a hub's end), in `connecting`; a failure of every host is an `error` event. */
  #attach(): Promise<Attachment> {
    this.#setState('connecting');
    const attachment = this.#lock.held.then(() => attach(this.#hello)).then((attached) => this.#attached(attached));
    attachment.catch((error: unknown) => this.#closed || this.#emit('error', error instanceof TabmuxError ? error : new TabmuxError('TABMUX_ERR_NO_HOST', String(error))));
    return attachment;
  }

  /** A hub answered hello: mirror its state, re-attach when it dies, subscribe our channels from our cursors. */
  #attached(attachment: Attachment): Attachment {
    const { api, answer, gone } = attachment;
    // A hub as new as this tab ends the loop guard; an older one (the HTTP cache's) is accepted once.
    if (compareVersions(answer.version ?? '0', TABMUX_VERSION) >= 0) this.#hello.acceptOlder = false;
    this.#setHubState(answer.state);
    void api.lifecycle(this.#page.report()).catch(() => undefined);
    void gone.then(() => this.#reattach(attachment));
    for (const [channel] of this.#channels.entries()) this.#subscribeOn(api, channel);
    return attachment;
  }

  /**
   * `pagehide` into the back/forward cache: say bye and close our ports, so the hub stops
   * posting to this page (Chromium evicts a cached page that a SharedWorker messages:
   * `Page.backForwardCacheNotUsed` reason "SharedWorkerMessage"). The tab lock is kept: the page
   * is alive. `pageshow` re-attaches from our cursors.
   */
  #enterCache(): void {
    if (this.#closed) return;
    void this.#attachment
      .then((attachment) => {
        this.#left.add(attachment);
        // Not awaiting bye's answer: a message to the page once it is cached would evict it.
        void attachment.api.bye().catch(() => undefined);
        attachment.port.close();
        attachment.link.close();
      })
      .catch(() => undefined);
  }

  #leaveCache(): void {
    if (!this.#closed) this.#attachment = this.#attach();
  }

  /** The hub died (its life lock was released): attach to a fresh one, resume from our cursors. */
  #reattach(dead: Attachment): void {
    if (this.#closed || this.#left.has(dead)) return;
    dead.port.close();
    dead.link.close();
    this.#attachment = this.#attach();
  }

  /**
   * Subscribes `channel` on a hub from this tab's cursor. `ready` settles with the first answer
   * that counts; later failures are `error` events. A closed hub (retired for a newer one, or
   * dying) is not an answer: the re-attach subscribes again on the next hub.
   */
  #subscribeOn(api: Remote<HubApi>, channel: string): void {
    api.subscribe(channel, this.#channels.cursor(channel)).then((result) => {
      const ready = this.#ready.get(channel);
      if (result.ok) return ready?.settle();
      if (result.code === 'TABMUX_ERR_CLOSED') return;
      const error = new TabmuxError(result.code, result.message);
      if (!ready?.settle(error)) this.#emit('error', error);
    }, () => undefined);
  }

  #onHubEvent(event: HubEvent): void {
    switch (event.type) {
      case 'message':
        return this.#channels.deliver(event);
      case 'state':
        return this.#setHubState(event.state);
      case 'reset':
        return this.#emit('reset', { channel: event.channel, code: event.code, message: event.message });
      case 'error':
        return this.#emit('error', new TabmuxError(event.code, event.message));
      case 'token-needed':
        if (typeof this.#hello.token === 'function') {
          void Promise.all([this.#freshToken(), this.#attachment]).then(([token, { api }]) => (token !== undefined ? api.setToken(token) : undefined)).catch(() => undefined);
        }
        return;
      case 'transport':
        if (this.#hello.transport === 'auto') rememberTransport(this.#hello.url, event.transport satisfies TransportKind);
        return;
      case 'moved':
        // The same URL again: it serves a newer script than its running instance; if the HTTP
        // cache hands us the old one once more, we take it rather than loop.
        if (new URL(event.workerUrl, location.href).href === new URL(this.#hello.workerUrl, location.href).href) this.#hello.acceptOlder = true;
        this.#hello.workerUrl = event.workerUrl;
        return; // we re-attach when the hub's life lock is released, as after a crash
      default: {
        const never: never = event;
        return never;
      }
    }
  }

  /** The token option's current value; a failing token function is reported, not thrown. */
  async #freshToken(): Promise<string | undefined> {
    try {
      const { token: option } = this.#hello;
      const token = typeof option === 'function' ? await option() : option;
      return typeof token === 'string' && token ? token : undefined;
    } catch (error) {
      this.#emit('error', new TabmuxError('TABMUX_ERR_UNAUTHORIZED', `the token function failed: ${error instanceof Error ? error.message : String(error)}`));
      return undefined;
    }
  }

  /** A hub closing (retired, shut down) is not this mux closing: only `close()` is. */
  #setHubState(state: MuxState): void {
    this.#setState(state === 'closed' ? 'connecting' : state);
  }

  #setState(state: MuxState): void {
    if (this.#state === state || (this.#closed && state !== 'closed')) return;
    this.#state = state;
    this.#emit('state', state);
  }

  #emit<K extends keyof MuxEvents>(event: K, value: MuxEvents[K]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        (listener as (value: MuxEvents[K]) => void)(value);
      } catch (error) {
        surface(error);
      }
    }
  }
}
