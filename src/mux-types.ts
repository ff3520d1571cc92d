/**
 * The public shape of the client (README, Client API): what `connect()` takes and returns. Types
 * only; the behaviour is connect.ts.
 */
import type { DebugSnapshot, Delivery, MuxState, TransportOption, HostOption } from './hub-protocol/hub-api.js';
import type { ClientErrorCode, TabmuxError } from './errors.js';
import type { MessageHandler } from './local-channels.js';

/**
 * A typed channel map: channel name → the type of the data published on it, as in
 * `connect<{ prices: Price; 'chat:lobby': Chat }>(…)`; a template-literal key types a family
 * (`` { [channel: `prices:${string}`]: Price } ``). Without one, every channel carries `unknown`
 * (README, Typed channels).
 */
export type AnyChannels = { [channel: string]: unknown };

/** The channel names of a channel map. */
export type ChannelOf<Channels> = Extract<keyof Channels, string>;

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
  /**
   * `'every-tab'` (default): every tab that subscribed gets each message. `'one-tab'`: each
   * message goes to exactly ONE of the browser's tabs that subscribed this way — a visible one
   * when there is one — for side effects such as a notification or a sound (README, One tab per
   * message). Both kinds may subscribe one channel, in one tab or in several.
   */
  readonly delivery?: Delivery;
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

/**
 * `Channels` types the data of each channel (see AnyChannels). In `subscribe` and `publish`, `T`
 * is that type unless given (`subscribe<Price>('prices', …)`), and must fit the channel's type: it
 * comes first so that it can be given alone, and `C` (the channel, inferred) bounds it.
 */
export interface Mux<Channels extends object = AnyChannels> {
  readonly state: MuxState;
  subscribe<T extends Channels[C], C extends ChannelOf<Channels> = ChannelOf<Channels>>(channel: C, handler: MessageHandler<T>, options?: SubscribeOptions): Subscription;
  publish<T extends Channels[C], C extends ChannelOf<Channels> = ChannelOf<Channels>>(channel: C, data: T): Promise<{ id: string }>;
  on<K extends keyof MuxEvents>(event: K, listener: (value: MuxEvents[K]) => void): () => void;
  /** A snapshot of the hub (host, version, transport, upstream state, channels and cursors, tabs) and of how the host was chosen. */
  debug(): Promise<DebugSnapshot>;
  close(): void;
}
