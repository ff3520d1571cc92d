/**
 * The gate of `GET /ws`: an upgrade request is checked in order, cheapest first (URL length, path,
 * shutdown, method, Origin, the per-IP limit, then the token) before `ws` is given the socket. A
 * refusal is a PushError, which the endpoint (ws.ts) writes on the raw socket as the same JSON
 * HTTP answer every other endpoint gives.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServerContext } from './context.js';
import { authenticate } from './auth.js';
import type { Credentials } from './auth.js';
import { stripBasePath } from './base-path.js';
import { clientAddress, limitKey } from './client-address.js';
import { originAllowed } from './cors.js';
import { PushError, urlTooLong } from './errors.js';

function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return undefined; // e.g. `//` or a bare `*`: not a path of ours
  }
}

/** For messages: the path alone, so a token in the query is never echoed. */
const requestPath = (req: IncomingMessage): string => (req.url ?? '/').split('?')[0]!.slice(0, 200);

const isOurs = (url: URL | undefined, basePath: string): url is URL => url !== undefined && stripBasePath(url.pathname, basePath) === '/ws';

/** Whether an upgrade asks for our `/ws` (under basePath); any other path may be another app's. */
export const isWsUpgrade = (req: IncomingMessage, basePath: string): boolean => isOurs(requestUrl(req), basePath);

/**
 * Resolves with the credentials the upgrade carries (none: the first frame must then be `auth`),
 * or undefined when the client went away while they were checked; throws a PushError to refuse.
 */
export async function admitUpgrade(context: ServerContext, req: IncomingMessage, socket: Duplex): Promise<Credentials | undefined> {
  const { options } = context;
  // Node hands an upgrade socket over without an 'error' listener: a client that resets while
  // it is refused (or while its token is verified) must not crash the process.
  socket.on('error', () => socket.destroy());
  if ((req.url ?? '').length > options.maxUrlLength) {
    context.metrics.limitRefusals.url_size++;
    throw urlTooLong(options.maxUrlLength);
  }
  const url = requestUrl(req);
  if (!isOurs(url, options.basePath)) {
    throw new PushError('TABMUX_ERR_NOT_FOUND', `no WebSocket endpoint at ${requestPath(req)}; use ${options.basePath}/ws`);
  }
  if (context.closing) throw new PushError('TABMUX_ERR_UNAVAILABLE', 'the server is shutting down');
  if (req.method !== 'GET') throw new PushError('TABMUX_ERR_METHOD_NOT_ALLOWED', 'a WebSocket upgrade is a GET');
  // Cross-site WebSocket hijacking: browsers send cookies with any site's upgrade; CORS does not apply.
  if (!originAllowed(req, options.allowOrigin)) throw new PushError('TABMUX_ERR_FORBIDDEN', 'this origin is not allowed by the server (allowOrigin)');
  const ip = clientAddress(req, options.trustProxy);
  context.connectionRate.take(limitKey(ip));
  const release = context.connectionsPerIp.acquire(ip);
  socket.once('close', release);
  // A token on the upgrade (header, cookie, ?token=) must be valid: a bad one is refused here with
  // 401. No token: accepted, and the first frame must then be {"op":"auth"} (browsers cannot
  // set headers on a WebSocket).
  const credentials = await authenticate(req, url.searchParams, context.auth);
  return socket.destroyed ? undefined : credentials;
}
