/**
 * The WebSocket close codes the push server sends on `/ws`, and what a client should do on each.
 * Both ends import them from here, so the server's meaning and the client's reaction cannot
 * drift apart. (A client that stops reading is not closed but cut: a close frame would queue
 * behind the backlog it does not read.)
 */

/** RFC 6455 §7.4.1: 1012 "service restart" — the server is shutting down: reconnect (elsewhere). */
export const CLOSE_SERVICE_RESTART = 1012;

/**
 * IANA's registry of RFC 6455 codes: 1013 "try again later" — the server cannot check the token
 * now (its key set at jwtJwksUrl could not be fetched). Preceded by an `op:error`
 * TABMUX_ERR_UNAVAILABLE frame; reconnect with backoff, the token is not at fault.
 */
export const CLOSE_TRY_AGAIN_LATER = 1013;

/**
 * RFC 6455 §7.4.2 leaves 4000–4999 to applications. 4001 (like HTTP 401): no valid token — none
 * sent within the server's authTimeout, a bad one, or it expired. Preceded by an `op:error`
 * TABMUX_ERR_UNAUTHORIZED frame saying which; reconnect with a fresh token.
 */
export const CLOSE_UNAUTHORIZED = 4001;

/**
 * 4029 (like HTTP 429): the socket kept sending `subscribe`/`unsubscribe` frames past the
 * server's per-socket rate after many `op:error` TABMUX_ERR_RATE_LIMITED answers. A client that
 * gets it is looping; reconnect only with backoff.
 */
export const CLOSE_RATE_LIMITED = 4029;
