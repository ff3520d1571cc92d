/**
 * CORS (Fetch standard §3.2) for /sse, /poll and /publish, and the Origin check of WebSocket
 * upgrades (which CORS does not cover: RFC 6455 §10.2 leaves it to the server).
 *
 * No allow list: `Access-Control-Allow-Origin: *` without credentials. With a list: the matching
 * Origin is echoed with `Vary: Origin` and credentials allowed; any other cross-origin request is
 * refused with 403. The server's own origin (same-origin pages such as the demo) is always allowed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PushError } from './errors.js';

/**
 * `Last-Event-ID` is listed: the Fetch standard does not (yet) count it as CORS-safelisted, so a
 * fetch-based SSE reader that resumes triggers a preflight. `Authorization` carries keys/tokens.
 */
const ALLOW_HEADERS = 'Authorization, Last-Event-ID, Content-Type, Idempotency-Key';
const ALLOW_METHODS = 'GET, POST, OPTIONS';
// Chromium caps preflight caching at 2 h, Firefox at 24 h; 10 min keeps config changes prompt.
const MAX_AGE_SECONDS = '600';

function originOf(req: IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  return typeof origin === 'string' && origin !== '' ? origin : undefined;
}

function isSameOrigin(req: IncomingMessage, origin: string): boolean {
  const host = req.headers.host;
  if (!host) return false;
  return origin === `http://${host}` || origin === `https://${host}`;
}

/** True when the request's Origin (if any) may use the server. */
export function originAllowed(req: IncomingMessage, allowOrigin: readonly string[]): boolean {
  const origin = originOf(req);
  if (origin === undefined || allowOrigin.length === 0) return true;
  return allowOrigin.includes(origin) || isSameOrigin(req, origin);
}

/** Without an allow list: the same headers for every request, built once (callers copy, never change them). */
const ANY_ORIGIN: Readonly<Record<string, string>> = Object.freeze({ 'Access-Control-Allow-Origin': '*' });

/** Response headers for a CORS request; throws 403 for an origin outside the allow list. */
export function corsHeaders(req: IncomingMessage, allowOrigin: readonly string[]): Readonly<Record<string, string>> {
  if (allowOrigin.length === 0) return ANY_ORIGIN;
  const origin = originOf(req);
  const vary = { Vary: 'Origin' };
  if (origin === undefined) return vary;
  if (!originAllowed(req, allowOrigin)) {
    throw new PushError('TABMUX_ERR_FORBIDDEN', 'this origin is not allowed by the server (allowOrigin)', vary);
  }
  return { ...vary, 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' };
}

/** Answers a preflight (`OPTIONS`) request. */
export function answerPreflight(req: IncomingMessage, res: ServerResponse, allowOrigin: readonly string[]): void {
  res.writeHead(204, {
    ...corsHeaders(req, allowOrigin),
    'Access-Control-Allow-Methods': ALLOW_METHODS,
    'Access-Control-Allow-Headers': ALLOW_HEADERS,
    'Access-Control-Max-Age': MAX_AGE_SECONDS,
    'Content-Length': '0',
  });
  res.end();
}
