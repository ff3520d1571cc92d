/**
 * The public shape of the client (README, Client API): what `connect()` takes and returns. Types
 * only; the behaviour is connect.ts.
 */
import type { DebugSnapshot, Delivery, MuxState, TransportOption, HostOption } from './hub-protocol/hub-api.js';
import type { ClientErrorCode, TabmuxError } from './errors.js';
import type { MessageHandler } from './local-channels.js';

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

export interface Mux {
  readonly state: MuxState;
  subscribe(channel: string, handler: MessageHandler, options?: SubscribeOptions): Subscription;
  publish(channel: string, data: unknown): Promise<{ id: string }>;
  on<K extends keyof MuxEvents>(event: K, listener: (value: MuxEvents[K]) => void): () => void;
  /** A snapshot of the hub (host, version, transport, upstream state, channels and cursors, tabs) and of how the host was chosen. */
  debug(): Promise<DebugSnapshot>;
  close(): void;
}
