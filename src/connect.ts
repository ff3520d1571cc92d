/**
 * `connect()`: the client every tab uses (README, Client API). It attaches to a hub through a host
 * (hosts/), keeps its own handlers and cursors (local-channels.ts), and re-attaches from those
 * cursors when the hub dies, so a restarted SharedWorker loses and repeats nothing. Its public
 * types are mux-types.ts; its options are checked by connect-options.ts.
 */
import type { Remote } from 'comlink';
import { proxy, transfer, wrap } from './hub-rpc.js';
import { isValidChannelName } from './protocol/channel-name.js';
import type { DebugSnapshot, HelloAnswer, HelloRequest, HostChoice, HostSkipped, HubApi, HubBatch, HubEvent, MuxState, TransportKind } from './hub-protocol/hub-api.js';
import { TabmuxError } from './errors.js';
import { checkOptions, type CheckedOptions } from './connect-options.js';
import { Emitter } from './emitter.js';
import type { AnyChannels, ConnectOptions, Mux, MuxEvents, SubscribeOptions, Subscription } from './mux-types.js';
import { hostsFor, whyNot } from './hosts/chooser.js';
import type { HostLink } from './hosts/types.js';
import { sayHello } from './say-hello.js';
import { LocalChannels, type MessageHandler } from './local-channels.js';
import { holdTabLock, whenReleased, type HeldLock } from './tab-lock.js';
import { hubName, tabLockPrefix } from './hub-protocol/one-tab.js';
import { recallTransport, rememberTransport } from './transport-hint.js';
import { watchPageLifecycle, type PageLifecycle } from './page-lifecycle.js';
import { compareVersions, TABMUX_VERSION } from './protocol/version.js';


/** A hub that does not answer hello in this time is taken as broken and the next host is tried. */
const HELLO_TIMEOUT_MS = 10_000;
/** A re-attach that failed on every host is tried again after this (then doubling, up to 30 s). */
const REATTACH_RETRY_MS = 1000;

/** A hub's answer to one hello, before it is taken (or detached, when another hello won). */
interface Hello {
  readonly link: HostLink;
  readonly api: Remote<HubApi>;
  readonly port: MessagePort;
  readonly answer: HelloAnswer;
  /** Stops handing this link's hub events to the tab (another hello won); returns itself. */
  drop(): Hello;
}

interface Attachment {
  readonly link: HostLink;
  readonly choice: HostChoice;
  readonly api: Remote<HubApi>;
  readonly port: MessagePort;
  /** Resolves when this hub is gone. */
  readonly gone: Promise<void>;
}

/** `Channels`: an optional typed channel map (mux-types.ts AnyChannels); types only. */
export function connect<Channels extends object = AnyChannels>(options: ConnectOptions): Mux<Channels> {
  return new Client(options) as Mux<object> as Mux<Channels>;
}

class Client implements Mux {
  #state: MuxState = 'connecting';
  readonly #options: CheckedOptions;
  /** The hub script; a retiring hub moves us to its successor's (`moved`). */
  #workerUrl: string;
  /** Moved once to get a newer hub at the same URL: take the next hub whatever its version (no loop on a stale HTTP cache). */
  #acceptOlder = false;
  /** Hellos said so far: each gets its own tab id (#hello). */
  #hellos = 0;
  readonly #name: string;
  readonly #channels = new LocalChannels('every-tab');
  /** One-tab subscriptions (README, One tab per message): their cursors are the one-tab marks. */
  readonly #once = new LocalChannels('one-tab');
  readonly #events = new Emitter<MuxEvents>();
  readonly #lock: HeldLock;
  /** Live subscriptions made with `keepAliveWhenHidden`. */
  #keepAliveSubscriptions = 0;
  readonly #page: PageLifecycle;
  /** Attachments left for the back/forward cache: their hub's death is no longer ours to handle. */
  readonly #left = new WeakSet<Attachment>();
  #attachment: Promise<Attachment>;
  #closed = false;

  constructor(options: ConnectOptions) {
    this.#options = checkOptions(options);
    this.#workerUrl = this.#options.workerUrl;
    this.#name = hubName(this.#options.transport, this.#options.url);
    // Named after the hub: a fresh hub counts its live tabs by these locks and waits for them
    // before it hands out one-tab messages (README, One tab per message). Not crypto.randomUUID,
    // which exists only in secure contexts: the `direct` host serves plain http pages too.
    this.#lock = holdTabLock(tabLockPrefix(this.#name) + Math.random());
    this.#page = watchPageLifecycle({
      pauseAfterMs: this.#options.pauseAfterMs,
      keepAlive: () => this.#options.keepAliveWhenHidden || this.#keepAliveSubscriptions > 0,
      onChange: (report) => {
        if (!this.#closed) void this.#attachment.then(({ api }) => api.lifecycle(report)).catch(() => undefined);
      },
      onEnterCache: () => this.#enterCache(),
      onLeaveCache: () => this.#leaveCache(),
    });
    this.#attachment = this.#attach();
  }

  get state(): MuxState {
    return this.#state;
  }

  // Generic as Mux's is; the channels keep handlers of any data type (the type is the caller's claim).
  subscribe<T>(channel: string, handler: MessageHandler<T>, options?: SubscribeOptions): Subscription {
    checkChannel(channel);
    const local = [this.#channels, this.#once].find((channels) => channels.delivery === (options?.delivery ?? 'every-tab'));
    if (typeof handler !== 'function' || !local) throw new TabmuxError('TABMUX_ERR_BAD_OPTIONS', "subscribe needs a handler, and delivery 'every-tab' or 'one-tab'");
    if (this.#closed) throw new TabmuxError('TABMUX_ERR_CLOSED', 'this mux is closed');
    if (local.add(channel, handler as MessageHandler)) {
      // Before attach finished, #attached subscribes it with the others (a repeat is harmless).
      this.#attachment.then(({ api }) => this.#subscribeOn(api, local, channel), (error: unknown) => local.ready(channel)?.settle(error));
    }
    const { ready } = local.ready(channel)!;
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
        if (!local.remove(channel, handler as MessageHandler)) return;
        if (!this.#closed) void this.#attachment.then(({ api }) => api.unsubscribe(channel, local.delivery)).catch(() => undefined);
      },
    };
  }

  async publish(channel: string, data: unknown): Promise<{ id: string }> {
    checkChannel(channel);
    if (this.#closed) throw new TabmuxError('TABMUX_ERR_CLOSED', 'this mux is closed');
    const attaching = this.#attachment;
    const { api, gone, link } = await attaching;
    // A link that already knows its hub ended posts into nothing: this call is provably not made,
    // and goes to the next hub (attached by the time `gone` settles) instead of failing.
    const unsent = link.hubEnded?.();
    const hubGone = gone.then(() => ({ ok: false as const, code: 'TABMUX_ERR_HUB_GONE' as const, message: 'the hub stopped mid-publish: it may or may not be published' }));
    const result = await Promise.race([api.publish(channel, data), hubGone]);
    if (!result.ok) {
      if (unsent && this.#attachment !== attaching) return this.publish(channel, data);
      throw new TabmuxError(result.code, result.message);
    }
    return { id: result.id };
  }

  on<K extends keyof MuxEvents>(event: K, listener: (value: MuxEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
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

  /**
   * Walks the hosts, in `connecting`; a failure of every host is an `error` event. `retryMs`: this
   * is a re-attach (the hub ended under a working tab), so a failed walk is tried again after it,
   * doubling up to 30 s, rather than leaving the tab without a hub for good.
   */
  #attach(retryMs?: number): Promise<Attachment> {
    this.#setState('connecting');
    const attachment = this.#walkHosts();
    attachment.catch((error: unknown) => {
      if (this.#closed) return;
      this.#events.emit('error', error instanceof TabmuxError ? error : new TabmuxError('TABMUX_ERR_NO_HOST', String(error)));
      if (retryMs === undefined) return;
      setTimeout(() => {
        if (!this.#closed && this.#attachment === attachment) this.#attachment = this.#attach(Math.min(retryMs * 2, 30_000));
      }, retryMs);
    });
    return attachment;
  }

  async #walkHosts(): Promise<Attachment> {
    await this.#lock.held;
    const skipped: HostSkipped[] = [];
    for (const host of hostsFor(this.#options.host)) {
      if (!host.canBeUsed()) {
        skipped.push({ host: host.kind, reason: whyNot(host) });
        continue;
      }
      try {
        const hello = await sayHello({
          host,
          timeoutMs: HELLO_TIMEOUT_MS,
          open: () => host.open({ workerUrl: this.#workerUrl, name: this.#name, lifecycle: () => this.#page.report() }),
          hello: (link) => this.#hello(link),
          late: (answer) => void detach(answer.drop()),
        });
        return this.#attached(hello, { option: this.#options.host, picked: host.kind, skipped: [...skipped] });
      } catch (error) {
        // Usable but failed to start (e.g. the hub script is missing): the next host.
        skipped.push({ host: host.kind, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    const why = skipped.map(({ host, reason }) => `${host}: ${reason}`).join('; ');
    throw new TabmuxError('TABMUX_ERR_NO_HOST', `host '${this.#options.host}' cannot be used here (${why})`);
  }

  /** One hello on one link: resolves with its answer, rejects if the link fails (it is then closed). */
  async #hello(link: HostLink): Promise<Hello> {
    const api = wrap<HubApi>(link.endpoint);
    const { port1, port2 } = new MessageChannel();
    let live = true;
    port1.onmessage = (event: MessageEvent<HubBatch>) => {
      if (live) for (const hubEvent of event.data.events) this.#onHubEvent(hubEvent, api);
    };
    const hint = this.#options.transport === 'auto' ? recallTransport(this.#options.url) : undefined;
    // A token function is handed to the hub instead of called here: the hub calls ONE tab's at a
    // time (single flight across tabs), before expiry and on 401. A fixed string goes as is.
    const provider = typeof this.#options.token === 'function' ? proxy(() => this.#freshToken()) : undefined;
    const token = provider ? undefined : await this.#freshToken();
    const request: HelloRequest = {
      protocol: 1,
      // One id per hello, not per tab: two hellos of a retry may reach the same hub, and the
      // loser's bye must not drop the winner. Liveness goes by the tab's lock, shared by both.
      tabId: `${this.#lock.name}#${++this.#hellos}`,
      version: TABMUX_VERSION,
      ...(this.#acceptOlder && { acceptOlder: true }),
      lockName: this.#lock.name,
      config: { url: this.#options.url, transport: this.#options.transport, ...(hint && { transportHint: hint }), ...(this.#options.heartbeatS !== undefined && { heartbeatS: this.#options.heartbeatS }) },
      ...(token !== undefined && { token }),
      dataPort: port2,
    };
    try {
      const answer = await Promise.race([api.hello(transfer(request, [port2 as unknown as Transferable]), provider), link.failed]);
      link.answered?.();
      const hello: Hello = {
        link,
        api,
        port: port1,
        answer,
        drop: () => ((live = false), hello),
      };
      return hello;
    } catch (error) {
      port1.close();
      link.close();
      throw error;
    }
  }

  /** The winning hello becomes the tab's attachment: hub state, lifecycle, the hub's end watched, channels subscribed. */
  #attached({ link, api, port, answer }: Hello, choice: HostChoice): Attachment {
    // A hub as new as this tab ends the loop guard; an older one (the HTTP cache's) is accepted once.
    if (compareVersions(answer.version ?? '0', TABMUX_VERSION) >= 0) this.#acceptOlder = false;
    this.#setHubState(answer.state);
    const gone = answer.hubLock ? whenReleased(answer.hubLock) : new Promise<void>(() => undefined);
    const attachment: Attachment = { link, choice, api, port, gone };
    void gone.then(() => this.#reattach(attachment));
    for (const local of [this.#channels, this.#once]) for (const [channel] of local.entries()) this.#subscribeOn(api, local, channel);
    // After the subscriptions: it ends the tab's attach (HubApi.lifecycle).
    void api.lifecycle(this.#page.report()).catch(() => undefined);
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
    if (!this.#closed) this.#attachment = this.#attach(REATTACH_RETRY_MS);
  }

  /** The hub died (its life lock was released): attach to a fresh one, resume from our cursors. */
  #reattach(dead: Attachment): void {
    if (this.#closed || this.#left.has(dead)) return;
    dead.port.close();
    dead.link.close();
    this.#attachment = this.#attach(REATTACH_RETRY_MS);
  }

  /**
   * Subscribes `channel` on a hub from this tab's cursor (one-tab: its one-tab mark). `ready`
   * settles with the first answer that counts; later failures are `error` events. A closed hub
   * (retired for a newer one, or dying) is not an answer: the re-attach subscribes again on the
   * next hub.
   */
  #subscribeOn(api: Remote<HubApi>, local: LocalChannels, channel: string): void {
    api.subscribe(channel, local.cursor(channel), local.delivery).then((result) => {
      const ready = local.ready(channel);
      if (result.ok) return ready?.settle();
      if (result.code === 'TABMUX_ERR_CLOSED') return;
      const error = new TabmuxError(result.code, result.message);
      if (!ready?.settle(error)) this.#events.emit('error', error);
    }, () => undefined);
  }

  /** The hub's data plane; `api`: the hub that sent it, which a one-tab message is acknowledged to. */
  #onHubEvent(event: HubEvent, api: Remote<HubApi>): void {
    switch (event.type) {
      case 'message':
        this.#channels.deliver(event);
        return;
      case 'one-tab':
        // Acknowledged once the handlers ran (or had run: a repeat after a restart), so the hub
        // hands it to no other tab; not when this tab has no handler left for it (the hub hands
        // it on when our unsubscribe arrives).
        if (this.#once.deliver(event)) void api.handled(event.channel, event.id).catch(() => undefined);
        return;
      case 'handled':
        this.#once.seen(event.channel, event.id);
        return;
      case 'state':
        return this.#setHubState(event.state);
      case 'reset':
        return this.#events.emit('reset', { channel: event.channel, code: event.code, message: event.message });
      case 'error':
        return this.#events.emit('error', new TabmuxError(event.code, event.message));
      case 'token-needed':
        if (typeof this.#options.token === 'function') {
          void Promise.all([this.#freshToken(), this.#attachment]).then(([token, { api }]) => (token !== undefined ? api.setToken(token) : undefined)).catch(() => undefined);
        }
        return;
      case 'transport':
        if (this.#options.transport === 'auto') rememberTransport(this.#options.url, event.transport satisfies TransportKind);
        return;
      case 'moved':
        // The same URL again: it serves a newer script than its running instance; if the HTTP
        // cache hands us the old one once more, we take it rather than loop.
        if (new URL(event.workerUrl, location.href).href === new URL(this.#workerUrl, location.href).href) this.#acceptOlder = true;
        this.#workerUrl = event.workerUrl;
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
      const token = typeof this.#options.token === 'function' ? await this.#options.token() : this.#options.token;
      return typeof token === 'string' && token ? token : undefined;
    } catch (error) {
      this.#events.emit('error', new TabmuxError('TABMUX_ERR_UNAUTHORIZED', `the token function failed: ${error instanceof Error ? error.message : String(error)}`));
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
    this.#events.emit('state', state);
  }
}


/** Says bye (the hub drops this tab's channels at once) and closes the tab's ends. */
async function detach({ api, port, link }: Pick<Attachment, 'api' | 'port' | 'link'>): Promise<void> {
  await api.bye().catch(() => undefined);
  port.close();
  link.close();
}

/** The rule of channel names, as the server checks it (README, Endpoints): one message for every way to break it. */
function checkChannel(channel: string): void {
  if (!isValidChannelName(channel)) throw new TabmuxError('TABMUX_ERR_BAD_CHANNEL', 'a channel name is 1-200 of A-Za-z0-9_-:./@');
}
