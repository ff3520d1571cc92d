/**
 * One interface for the three upstream transports (the shape centrifuge-js uses: each transport a
 * small file, the hub above them knows none of their details).
 *
 * An upstream carries a fixed set of channels (SSE, long-poll) or a changing one (WebSocket:
 * `subscribe`/`unsubscribe`). It reports through `UpstreamHandlers`; after `closed()` or after
 * the hub called `close()` it never calls a handler again.
 */
import type { ClientErrorCode, TransportKind } from '../../src/hub-protocol/hub-api.js';
import type { ResetNotice, WireMessage } from '../../src/protocol/wire.js';
import type { Platform } from '../platform.js';

export interface UpstreamFailure {
  readonly code: ClientErrorCode;
  readonly message: string;
  readonly status?: number;
  /** From `Retry-After`. */
  readonly retryAfterMs?: number;
  /** Retrying the same request cannot help (400, 403, 404…): tabs are told. */
  readonly fatal?: boolean;
  /**
   * The WebSocket closed before it opened. A browser hides the upgrade's HTTP status (WHATWG
   * WebSockets: it is "fail the WebSocket connection", close code 1006), so a refused token looks
   * like this: with a token, the hub asks the tabs for a fresh one.
   */
  readonly neverOpened?: boolean;
  /** The response arrived but never streamed (a buffering proxy): `auto` falls back to poll. */
  readonly streamingBroken?: boolean;
}

export interface UpstreamHandlers {
  /** Replay done, live from here; `head` is the server's newest id then (a cursor). */
  open(head: string | undefined): void;
  message(message: WireMessage): void;
  reset(notice: ResetNotice): void;
  /** WebSocket only: a channel added after open is live; `id` is the head then. */
  subscribed(channel: string, id: string | undefined): void;
  /** WebSocket only: the server refused one channel; the others go on. */
  refused(channel: string, code: ClientErrorCode, message: string): void;
  /** Bytes arrived (a heartbeat comment included): feeds the hub's heartbeat watchdog. */
  activity?(): void;
  /** SSE `retry:` (ms). */
  retry(ms: number): void;
  closed(failure: UpstreamFailure): void;
}

export interface UpstreamRequest {
  /** Server base URL without a trailing slash. */
  readonly url: string;
  /** Channel → resume cursor (undefined: from now). */
  readonly channels: ReadonlyMap<string, string | undefined>;
  /** SSE: how long after the request `$open` may take before streaming is deemed broken. */
  readonly openTimeoutMs: number;
  /** Long-poll: seconds the server holds a request. */
  readonly pollTimeoutS: number;
  /** A JWT: `Authorization: Bearer` on HTTP; on a WebSocket, the first frame `{"op":"auth"}` (never the URL, which proxies log). */
  readonly token?: string;
}

export type PublishOutcome = { ok: true; id: string } | { ok: false; code: ClientErrorCode; message: string };

export interface Upstream {
  readonly kind: TransportKind;
  close(): void;
  /** WebSocket only. */
  subscribe?(channel: string, cursor: string | undefined): void;
  unsubscribe?(channel: string): void;
  publish?(channel: string, data: unknown): Promise<PublishOutcome>;
  /** WebSocket only: a refreshed token, sent on the open socket so it outlives the old token. */
  reauth?(token: string): void;
}

export type UpstreamFactory = (kind: TransportKind, request: UpstreamRequest, handlers: UpstreamHandlers) => Upstream;

export type TransportOpener = (platform: Platform, request: UpstreamRequest, handlers: UpstreamHandlers) => Upstream;
