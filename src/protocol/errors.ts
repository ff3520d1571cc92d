/**
 * The stable error codes. Servers answer `{"error":{"code","message"}}` (HTTP) or
 * `{"op":"error","code","message"}` (WebSocket) with one of these; the README lists them.
 */
export const ERROR_CODES = [
  'TABMUX_ERR_BAD_REQUEST', // 400: anything else malformed (bad query parameter, bad frame)
  'TABMUX_ERR_BAD_CHANNEL', // 400: channel name breaks the rules
  'TABMUX_ERR_BAD_JSON', // 400: body or frame is not valid JSON / not the expected shape
  'TABMUX_ERR_BAD_EVENT_ID', // 400: a lastEventId that is not an id this server could have made
  'TABMUX_ERR_TOO_MANY_CHANNELS', // 400: more channels on one stream than allowed
  'TABMUX_ERR_UNAUTHORIZED', // 401: token missing, invalid or expired
  'TABMUX_ERR_FORBIDDEN', // 403: token does not allow this channel / origin not allowed
  'TABMUX_ERR_NOT_FOUND', // 404: unknown path
  'TABMUX_ERR_METHOD_NOT_ALLOWED', // 405
  'TABMUX_ERR_REQUEST_TIMEOUT', // 408: the request was not sent in time (slowloris)
  'TABMUX_ERR_TOO_LARGE', // 413: body or message over --max-message-size
  'TABMUX_ERR_URL_TOO_LONG', // 414: request URL over --max-url-length
  'TABMUX_ERR_UNSUPPORTED_MEDIA_TYPE', // 415: publish body is not application/json
  'TABMUX_ERR_RATE_LIMITED', // 429
  'TABMUX_ERR_HEADERS_TOO_LARGE', // 431
  'TABMUX_ERR_UNAVAILABLE', // 503: broker down, server shutting down
  'TABMUX_ERR_NOT_SUPPORTED', // an option whose subsystem is not built into this server
  'TABMUX_ERR_HISTORY_GAP', // not an HTTP status: sent as a `$reset` event / `reset` frame
  'TABMUX_ERR_SLOW_CONSUMER', // not an HTTP status: close reason for a dropped slow client
  'TABMUX_ERR_INTERNAL', // 500: a bug; the message never carries a stack
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string };
}
