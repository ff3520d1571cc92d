/**
 * What travels between a client (the hub, or any HTTP/WebSocket client) and the push server.
 * Types only, plus the names that both sides must spell the same way.
 */
import type { ErrorCode } from './errors.js';

/** One published message, as every transport carries it. `id` is a resume token (event-id.ts). */
export interface WireMessage {
  readonly channel: string;
  readonly id: string;
  readonly data: unknown;
}

/**
 * Told when the history no longer reaches back to a client's cursor for `channel` (or the cursor
 * comes from another epoch): messages may have been missed. Delivery continues after it.
 */
export interface ResetNotice {
  readonly channel: string;
  readonly code: Extract<ErrorCode, 'TABMUX_ERR_HISTORY_GAP'>;
  readonly message: string;
}

/**
 * Query parameters of `/sse` and `/poll`.
 *  - `channel` (repeatable): the channels of the stream.
 *  - `lastEventId` or the `Last-Event-ID` header: one cursor for every channel of the stream.
 *  - `lastEventId.<channel>`: a cursor for one channel. A channel's cursor is the newer of its own
 *    and the shared one; a channel with neither starts from now (no replay).
 *  - `token`: a JWT for clients that cannot send `Authorization`.
 *  - `timeout` (`/poll` only): seconds to hold the request open.
 */
export const QUERY_CHANNEL = 'channel';
export const QUERY_LAST_EVENT_ID = 'lastEventId';
export const QUERY_CHANNEL_CURSOR_PREFIX = 'lastEventId.';
export const QUERY_TOKEN = 'token';
export const QUERY_TIMEOUT = 'timeout';

/**
 * SSE control events. Their names begin with `$`, which no channel name may contain, so they can
 * never collide with a channel's events.
 *  - `$open`: sent once the replay is written; `id:` is the broker's head at that moment (every
 *    message up to it on the stream's channels has been sent), `data:` `{"head":"<id>"}`.
 *  - `$reset`: `data:` a ResetNotice.
 */
export const SSE_EVENT_OPEN = '$open';
export const SSE_EVENT_RESET = '$reset';

export interface SseOpenData {
  readonly head: string;
}

/** `POST /publish` body and answer. */
export interface PublishRequest {
  readonly channel: string;
  readonly data: unknown;
}
export interface PublishResponse {
  readonly id: string;
}

/** `POST /publish` answer to a batch `{"messages": [...]}`: the ids, in the order given. */
export interface PublishBatchResponse {
  readonly ids: readonly string[];
}

/** `GET /poll` answer. `lastEventId` is what the next poll sends. */
export interface PollResponse {
  readonly messages: readonly WireMessage[];
  readonly lastEventId: string;
  readonly resets?: readonly ResetNotice[];
}

/** WebSocket frames, client → server (JSON text frames). `ref` is echoed in the answer. */
export type WsClientFrame =
  /**
   * A JWT, for clients that cannot put it on the upgrade (browsers: no headers on a WebSocket).
   * Sent first (within the server's authTimeout), and again with a fresh token before the current
   * one expires; a bad or expired token closes the socket with 4001 after an `error` frame.
   */
  | { readonly op: 'auth'; readonly token: string }
  | { readonly op: 'subscribe'; readonly channel: string; readonly lastEventId?: string }
  | { readonly op: 'unsubscribe'; readonly channel: string }
  /**
   * `idempotencyKey`: a retry of a publish whose answer was lost, with the same key, is answered
   * the first publish's id and stores nothing (like `POST /publish`'s `Idempotency-Key` header).
   */
  | { readonly op: 'publish'; readonly channel: string; readonly data: unknown; readonly ref?: string | number; readonly idempotencyKey?: string };

/** WebSocket frames, server → client. A message has no `op`. */
export type WsServerFrame =
  | WireMessage
  /** Replay done for `channel`; `id` is the broker's head then (a cursor for this channel). */
  | { readonly op: 'subscribed'; readonly channel: string; readonly id: string }
  | { readonly op: 'unsubscribed'; readonly channel: string }
  | { readonly op: 'published'; readonly ref?: string | number; readonly id: string }
  | ({ readonly op: 'reset' } & ResetNotice)
  | {
      readonly op: 'error';
      readonly code: ErrorCode;
      readonly message: string;
      readonly ref?: string | number;
      readonly channel?: string;
    };
