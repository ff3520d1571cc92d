/**
 * The tab ↔ hub protocol. Types only: the client (DOM), the hub (WebWorker) and the unit tests
 * (Node) import it, so it names no platform type; a port is anything with `postMessage`.
 *
 * Two planes, as in comlink's own advice for chatty workers:
 *  - control (Comlink RPC, one call per user action): hello, subscribe, unsubscribe, publish,
 *    debug, bye. Answers are `HubResult` values, never thrown errors, because Comlink's error
 *    serializer keeps only `name`/`message`/`stack` and would drop our stable `code`.
 *  - data (a plain MessagePort per tab): `HubBatch`, at most one postMessage per tab per task.
 */
import type { ErrorCode } from '../protocol/errors.js';
import type { WireMessage } from '../protocol/wire.js';
import type { TabLifecycle } from './lifecycle.js';

export type TransportKind = 'sse' | 'ws' | 'poll';
export type TransportOption = TransportKind | 'auto';
export type HostKind = 'shared-worker' | 'service-worker' | 'leader' | 'direct';
export type HostOption = HostKind | 'auto';

/**
 * How a subscription's messages reach the tabs (README, One tab per message): `every-tab` (the
 * default) hands each one to every tab that subscribed, `one-tab` to exactly one of the tabs that
 * subscribed that way, which acknowledges it (`HubApi.handled`) once its handlers ran.
 */
export type Delivery = 'every-tab' | 'one-tab';

/** The state every tab sees (`mux.state`), documented in the README (Client API, States). */
export type MuxState = 'connecting' | 'open' | 'paused' | 'closed';

/** The hub's own, finer state (see the diagram in worker/hub-state.ts); shown by `debug()`. */
export type UpstreamState = 'idle' | 'connecting' | 'open' | 'backoff' | 'paused' | 'closed';

/**
 * Error codes a client can see: the server's catalog plus the few that only exist on this side.
 *  - TABMUX_ERR_NETWORK: the request never got an HTTP answer (offline, DNS, refused, CORS).
 *  - TABMUX_ERR_CLOSED: the mux was closed by `mux.close()`.
 *  - TABMUX_ERR_HUB_GONE: the hub died while a publish was in flight; it may or may not have
 *    reached the server (a retry can duplicate it).
 *  - TABMUX_ERR_NO_HOST: no host in the requested list can run in this browser.
 *  - TABMUX_ERR_BAD_OPTIONS: `connect()` was given options it cannot use.
 */
export type ClientErrorCode =
  | ErrorCode
  | 'TABMUX_ERR_NETWORK'
  | 'TABMUX_ERR_CLOSED'
  | 'TABMUX_ERR_HUB_GONE'
  | 'TABMUX_ERR_NO_HOST'
  | 'TABMUX_ERR_BAD_OPTIONS';

export type HubResult<T> = ({ readonly ok: true } & T) | { readonly ok: false; readonly code: ClientErrorCode; readonly message: string };

/** Anything a hub can post batches to (a MessagePort in browsers). */
export interface EventSink {
  postMessage(message: HubBatch): void;
}

/** What the hub needs to know about the server; identical for every tab of one hub. */
export interface HubConfig {
  /** Push server base URL, without a trailing slash. */
  readonly url: string;
  readonly transport: TransportOption;
  /** For `transport: 'auto'`: what worked last time for this origin (mirrored by the tabs). */
  readonly transportHint?: TransportKind;
  /** Seconds between the server's heartbeats (`--heartbeat`, default 25): sets the hub's dead-connection window. */
  readonly heartbeatS?: number;
}

export interface HelloRequest {
  readonly protocol: 1;
  readonly tabId: string;
  /**
   * The tab's TABMUX_VERSION. A hub older than its tab retires so that the next attach loads the
   * newer script from the same URL (a SharedWorker instance is keyed by URL + name, so a page of
   * a new deploy first lands on the instance still running the old script).
   */
  readonly version?: string;
  /**
   * The tab was already moved once to get a newer hub at this URL: serve it whatever the
   * versions (the HTTP cache may keep serving the old script; retiring again would loop).
   */
  readonly acceptOlder?: boolean;
  /** A Web Lock the tab holds for its whole life: the hub gets it when the tab is gone. */
  readonly lockName?: string;
  readonly config: HubConfig;
  /** The tab's current token (`connect({ token })`), if it has one. */
  readonly token?: string;
  /** Transferred: the hub posts `HubBatch`es to it. */
  readonly dataPort: EventSink;
}

export interface HelloAnswer {
  readonly protocol: 1;
  readonly hubId: string;
  /** The hub's TABMUX_VERSION (absent from hubs older than the handshake). */
  readonly version?: string;
  readonly state: MuxState;
  /** A Web Lock the hub holds for its whole life (none for in-page hosts). */
  readonly hubLock?: string;
}

export type HubEvent =
  | ({ readonly type: 'message' } & WireMessage)
  /** A message of a one-tab subscription, handed to this tab alone: run the handlers, then `handled(channel, id)`. */
  | ({ readonly type: 'one-tab' } & WireMessage)
  /**
   * Every one-tab message of `channel` up to `id` has been handled (by some tab): the tab keeps it
   * as its one-tab mark and re-subscribes from it when the hub restarts, so that a fresh hub
   * hands none of those out again.
   */
  | { readonly type: 'handled'; readonly channel: string; readonly id: string }
  | { readonly type: 'state'; readonly state: MuxState }
  | { readonly type: 'reset'; readonly channel: string; readonly code: ClientErrorCode; readonly message: string }
  | { readonly type: 'error'; readonly code: ClientErrorCode; readonly message: string }
  /** The server answered 401 and no tab gave the hub a token provider: tabs with a `token` function fetch a new one and `setToken` it. */
  | { readonly type: 'token-needed' }
  /** The transport that opened; with `transport: 'auto'` tabs remember it for the origin. */
  | { readonly type: 'transport'; readonly transport: TransportKind }
  /**
   * The hub retires for a newer one (worker/hub-succession.ts): attach to `workerUrl` from now on.
   * The tab re-attaches when the hub's life lock is released, from its cursors, as after a crash.
   */
  | { readonly type: 'moved'; readonly workerUrl: string };

export interface HubBatch {
  readonly type: 'batch';
  readonly events: readonly HubEvent[];
}

export interface ChannelSnapshot {
  /** Last id delivered on this channel (the resume cursor), null before the first message. */
  readonly cursor: string | null;
  readonly tabs: number;
  /** True while the open upstream carries the channel. */
  readonly live: boolean;
  /** One-tab subscriptions of the channel, while there are some or messages wait for one. */
  readonly oneTab?: OneTabSnapshot;
}

export interface OneTabSnapshot {
  /** Tabs subscribed with `delivery: 'one-tab'`. */
  readonly tabs: number;
  /** Every one-tab message up to this id has been handled; null before the first. */
  readonly handled: string | null;
  /** Handed to a tab, not acknowledged yet. */
  readonly inFlight: number;
  /** Held in the hub until the tab that holds the others has caught up: they go to a tab more in front. */
  readonly waiting: number;
  /** False while a fresh hub waits for the tabs that may know a later mark (README, One tab per message). */
  readonly settled: boolean;
  /** The `direct` host only: how this tab shares the channel with the other tabs, each its own hub. `handled` is then the tabs' common mark. */
  readonly across?: OneTabAcrossSnapshot;
}

/** One-tab delivery across the tabs of the `direct` host (README, One tab per message): one tab hands each message out. */
export interface OneTabAcrossSnapshot {
  /** Tabs (of this origin, server URL and transport) that subscribe the channel one-tab, this one included. */
  readonly tabs: number;
  /** The tab handing the channel's messages out: this one, this one waiting out its claim, another, or none right now. */
  readonly handler: 'this-tab' | 'claiming' | 'another-tab' | 'none';
  /** Grows by one each time the channel changes hands. */
  readonly term: number;
  /** Messages this tab keeps that no tab has handled yet: the next handler takes them from there. */
  readonly kept: number;
}

/** What the hub itself reports (`HubApi.debug`); the client adds how it chose the host. */
export interface HubSnapshot {
  readonly host: HostKind;
  readonly hubId: string;
  /** The hub script's TABMUX_VERSION. */
  readonly version: string;
  readonly transport: TransportKind | null;
  readonly transportOption: TransportOption;
  readonly upstream: UpstreamState;
  readonly state: MuxState;
  readonly channels: Readonly<Record<string, ChannelSnapshot>>;
  readonly tabs: number;
  /** Upstream connections opened so far by this hub (reconnects and switch-overs included). */
  readonly connects: number;
}

/** A host the tab did not use, and why: a short, stable sentence ("SharedWorker is not defined in this browser"). */
export interface HostSkipped {
  readonly host: HostKind;
  readonly reason: string;
}

/** How `connect()` chose its host, as it walked the list (`host: 'auto'`: every host, best first). */
export interface HostChoice {
  /** The `host` option asked for. */
  readonly option: HostOption;
  /** The host serving this tab now. */
  readonly picked: HostKind;
  /** Every host tried before it, in order: not usable here, or usable but failed to start. */
  readonly skipped: readonly HostSkipped[];
}

/** `mux.debug()`: the hub's snapshot, plus this tab's host choice. */
export interface DebugSnapshot extends HubSnapshot {
  readonly hostChoice: HostChoice;
}

/**
 * A tab's `token` function, passed to `hello` as a Comlink proxy: the hub calls ONE tab's at a
 * time (single flight across tabs), before the token expires and on 401.
 */
export type TokenProvider = () => Promise<string | undefined>;

/** The control plane one tab sees (exposed with Comlink on that tab's port). */
export interface HubApi {
  hello(request: HelloRequest, tokenProvider?: TokenProvider): Promise<HelloAnswer>;
  /**
   * Resolves once the open upstream carries `channel` (from `cursor`, when given). `one-tab`: the
   * cursor is the tab's one-tab mark (the last `handled` it knows of).
   */
  subscribe(channel: string, cursor?: string, delivery?: Delivery): Promise<HubResult<object>>;
  unsubscribe(channel: string, delivery?: Delivery): Promise<void>;
  /** The handlers of this tab ran for the one-tab message `id` of `channel` and every one before it. */
  handled(channel: string, id: string): Promise<void>;
  publish(channel: string, data: unknown): Promise<HubResult<{ readonly id: string }>>;
  debug(): Promise<HubSnapshot>;
  /** A fresh token for the upstream and for publishing (after `token-needed`, or at any time). */
  setToken(token: string): Promise<void>;
  /**
   * This tab's page state (README, Battery and network): visibility, keep-alive, pauseWhenHidden,
   * saveData, online. On attach a tab sends it after its subscriptions: the first report ends the
   * tab's attach, which a fresh hub waits for before it hands out one-tab messages
   * (worker/attach-quorum.ts).
   */
  lifecycle(report: TabLifecycle): Promise<void>;
  bye(): Promise<void>;
}
