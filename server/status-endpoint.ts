/**
 * `GET /status` (HTML) and `GET /status.json`, when the `status` option is on. Who may read it:
 *
 * - a publish key is configured: only its holder, as `Authorization: Bearer <key>` or `?key=<key>`;
 * - no key at all: anyone — the server is open anyway, and the CLI says so loudly at start;
 * - JWT auth without a publish key: nobody (403). Subscribing is protected there, and the page
 *   lists channel names and traffic, so it must not be open; a JWT grants channels, not the
 *   whole node, so no token is enough either.
 *
 * `?key=` exists because a browser cannot put a header on a link it opens. Its risk: the key is
 * the PUBLISH key, and a URL is stored in browser history, shown over a shoulder, and written to
 * the access logs of every proxy on the way. The page lowers what it can (no-referrer, no-store,
 * no links or subresources that would carry it on), and the key only ever reads status here;
 * use the header (curl, a monitoring script) or an SSH tunnel to a localhost-bound node when
 * that exposure matters.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from './context.js';
import { bearer, sameKey, unauthorized } from './auth.js';
import { PushError } from './errors.js';
import { statusPageHeaders } from './security-headers.js';
import { renderStatusPage } from './status-page.js';
import { statusReport } from './status-report.js';

export const STATUS_PATHS = ['/status', '/status.json'] as const;
export type StatusPath = (typeof STATUS_PATHS)[number];
/** The query parameter carrying the publish key for a browser. */
export const STATUS_KEY_QUERY = 'key';

/**
 * With `metricsKey` set, /metrics and the status need it (or the publish key) as a Bearer
 * (README, Limits and budgets): they name live channels and load. Throws 401 otherwise.
 */
export function checkMonitoringKey(given: string | undefined, context: ServerContext): void {
  const { metricsKey } = context.options;
  const { publishKey } = context.auth;
  if (metricsKey === undefined) return;
  if (given === undefined) throw unauthorized('this endpoint needs the metrics key: Authorization: Bearer <key>', false);
  if (!sameKey(given, metricsKey) && !(publishKey !== undefined && sameKey(given, publishKey))) throw unauthorized('that is not the metrics key');
}

/** Throws 401/403 unless the request may read the status. */
export function checkStatusAccess(req: IncomingMessage, query: URLSearchParams, context: ServerContext): void {
  if (context.options.metricsKey !== undefined) {
    checkMonitoringKey(bearer(req) ?? query.get(STATUS_KEY_QUERY) ?? undefined, context);
    return;
  }
  const { publishKey, jwt } = context.auth;
  if (publishKey === undefined) {
    if (jwt) throw new PushError('TABMUX_ERR_FORBIDDEN', 'the status page needs a publish key on a server with JWT auth: set publishKey (--publish-key)');
    return;
  }
  const given = bearer(req) ?? query.get(STATUS_KEY_QUERY) ?? undefined;
  if (given === undefined) throw unauthorized('the status page needs the publish key: Authorization: Bearer <key>, or ?key=<key>', false);
  if (!sameKey(given, publishKey)) throw unauthorized('that is not the publish key');
}

export function serveStatus(context: ServerContext, req: IncomingMessage, res: ServerResponse, path: StatusPath, query: URLSearchParams): void {
  const status = context.status;
  // The router only routes here when the option is on.
  if (!status) throw new PushError('TABMUX_ERR_NOT_FOUND', `no endpoint at ${path}`);
  checkStatusAccess(req, query, context);
  const report = statusReport(context, status.node, status.rates);
  const headOnly = req.method === 'HEAD';
  const common = { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'X-Content-Type-Options': 'nosniff' };
  if (path === '/status.json') {
    const body = JSON.stringify(report);
    res.writeHead(200, { ...common, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(headOnly ? undefined : body);
    return;
  }
  const html = renderStatusPage(report);
  res.writeHead(200, { ...common, ...statusPageHeaders(html), 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) });
  res.end(headOnly ? undefined : html);
}
