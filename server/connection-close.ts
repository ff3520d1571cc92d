/**
 * `Connection: close` only where it means something. HTTP/2 has no per-message connection
 * management: RFC 9113 §8.2.2 forbids connection-specific fields (Connection, Keep-Alive,
 * Proxy-Connection, Transfer-Encoding, Upgrade) in its messages, and Node's http2 compat layer
 * drops them with an UnsupportedWarning. A stream of an HTTP/2 session just ends; the session
 * (shared with the client's other requests) must stay up.
 */
import type { IncomingMessage } from 'node:http';

const CLOSE: Readonly<Record<string, string>> = { Connection: 'close' };
const NONE: Readonly<Record<string, string>> = {};

/** `{Connection: 'close'}` on HTTP/1.x, nothing on HTTP/2 and later. */
export function closeConnection(req: IncomingMessage): Readonly<Record<string, string>> {
  return req.httpVersionMajor < 2 ? CLOSE : NONE;
}
