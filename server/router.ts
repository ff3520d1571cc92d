/**
 * `handleRequest`: one dispatch over the endpoints (README, Endpoints). Every refusal is a
 * PushError answered as JSON; anything else thrown is logged and answered 500 without detail, and
 * the server keeps serving.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from './context.js';
import { counted } from './context.js';
import { authenticate, bearer, checkSubscribe } from './auth.js';
import { answerPreflight, corsHeaders } from './cors.js';
import { PushError, describeRequest, sendError, toPushError, urlTooLong } from './errors.js';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.js';
import { gauges } from './status-report.js';
import { STATUS_PATHS, checkMonitoringKey, serveStatus } from './status-endpoint.js';
import { handlePoll } from './poll.js';
import { handlePublish } from './publish.js';
import { handleSse, sendComeBackLater } from './sse.js';
import { serveStatic, STATIC_FILES } from './static-files.js';
import { stripBasePath } from './base-path.js';
import { clientAddress, limitKey } from './client-address.js';
import { closeConnection } from './connection-close.js';
import { parseStreamRequest } from './stream-request.js';

export type Next = (error?: unknown) => void;

/** Path → the methods it answers (OPTIONS is added for the CORS endpoints). */
const ROUTES: Readonly<Record<string, readonly string[]>> = {
  '/sse': ['GET'],
  '/poll': ['GET'],
  '/publish': ['POST'],
  '/ws': ['GET'],
  '/health': ['GET', 'HEAD'],
  '/health/live': ['GET', 'HEAD'],
  '/metrics': ['GET'],
  ...Object.fromEntries(Object.keys(STATIC_FILES).map((path) => [path, ['GET', 'HEAD']])),
};
const CORS_PATHS = new Set(['/sse', '/poll', '/publish']);

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

/** The routes of a server with the status page on. */
const WITH_STATUS: Readonly<Record<string, readonly string[]>> = {
  ...ROUTES,
  ...Object.fromEntries(STATUS_PATHS.map((path) => [path, ['GET', 'HEAD']])),
};

async function route(
  context: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  cors: Readonly<Record<string, string>>,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (method === 'OPTIONS' && CORS_PATHS.has(path)) return answerPreflight(req, res, context.options.allowOrigin);
  const methods = (context.status ? WITH_STATUS : ROUTES)[path]!;
  if (!methods.includes(method)) {
    const allow = [...methods, ...(CORS_PATHS.has(path) ? ['OPTIONS'] : [])].join(', ');
    throw new PushError('TABMUX_ERR_METHOD_NOT_ALLOWED', `${path} answers ${allow}, not ${method}`, { Allow: allow });
  }
  // Liveness holds while the process answers at all, a shutdown included: a probe that restarted
  // a node for being unready (Redis down, draining) would only add a restart to the outage.
  if (path === '/health/live') return json(res, 200, { status: 'live' });
  if (context.draining && path === '/health') throw new PushError('TABMUX_ERR_UNAVAILABLE', 'the server is draining before shutdown', { 'Retry-After': '1' });
  if (context.closing && path === '/sse') return sendComeBackLater(req, res, context.options.retry, cors);
  if (context.closing) throw new PushError('TABMUX_ERR_UNAVAILABLE', 'the server is shutting down; retry shortly', { 'Retry-After': '1' });
  switch (path) {
    case '/sse':
    case '/poll': {
      const ip = clientAddress(req, context.options.trustProxy);
      // A poll continues a session (a client may poll many times a second on a busy channel):
      // only new streams count against the rate; every request counts against the open cap.
      if (path === '/sse') context.connectionRate.take(limitKey(ip));
      const release = context.connectionsPerIp.acquire(ip);
      res.once('close', release);
      const credentials = await authenticate(req, query, context.auth);
      const requests = parseStreamRequest(req, query, context.options.maxChannelsPerStream);
      // Checked once, here: a stream also ends when its token does (sse.ts), while a poll is too
      // short-lived (<= maxPollTimeout) to be timed: the next one is checked again.
      checkSubscribe(context.auth, credentials, requests.map((r) => r.channel));
      const call = { req, res, query, cors, credentials, requests };
      return path === '/sse' ? handleSse(context, call) : handlePoll(context, call);
    }
    case '/publish': {
      const credentials = authenticate(req, query, context.auth);
      return handlePublish(context, req, res, cors, credentials instanceof Promise ? await credentials : credentials);
    }
    case '/ws':
      throw new PushError('TABMUX_ERR_BAD_REQUEST', '/ws expects a WebSocket upgrade (Upgrade: websocket)');
    case '/health': {
      const health = context.broker.health();
      if (!health.ok) throw new PushError('TABMUX_ERR_UNAVAILABLE', health.reason ?? 'the broker is unavailable');
      return json(res, 200, { status: 'ok' });
    }
    case '/metrics': {
      checkMonitoringKey(bearer(req), context);
      const body = renderMetrics(context.metrics, gauges(context));
      res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
      res.end(body);
      return;
    }
    case '/status':
    case '/status.json':
      return serveStatus(context, req, res, path, query);
    default:
      return serveStatic(path, req, res, method === 'HEAD');
  }
}

const DEMO_PATHS = new Set(['/', '/index.html']);

/**
 * A request target that the WHATWG URL parser would return unchanged as its pathname: no query,
 * no percent-escapes, no dot segments, no backslashes, and not `//…` (which it reads as a host).
 * Most requests (`POST /publish`, a WebSocket's `GET /ws`) are one; only the others pay for a parse.
 */
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9_\-/]*$/;

export function createRequestHandler(context: ServerContext) {
  const routes = context.status ? WITH_STATUS : ROUTES;
  return function handleRequest(req: IncomingMessage, res: ServerResponse, next?: Next): void {
    let path: string;
    let query: URLSearchParams;
    if ((req.url ?? '').length > context.options.maxUrlLength) {
      context.metrics.limitRefusals.url_size++;
      req.resume();
      sendError(res, urlTooLong(context.options.maxUrlLength), { ...closeConnection(req) });
      return;
    }
    const target = req.url ?? '/';
    try {
      if (PLAIN_PATH.test(target)) {
        path = target;
        query = new URLSearchParams();
      } else {
        const url = new URL(target, 'http://localhost');
        path = url.pathname;
        query = url.searchParams;
      }
    } catch {
      sendError(res, new PushError('TABMUX_ERR_BAD_REQUEST', 'the request URL cannot be parsed'));
      return;
    }
    path = stripBasePath(path, context.options.basePath) ?? '';
    // Mounted in an app (given next), the app owns its home page; the demo is for the standalone server.
    if (!Object.hasOwn(routes, path) || (next !== undefined && DEMO_PATHS.has(path))) {
      // Mounted in another app: not ours, let the app answer.
      if (next) return next();
      sendError(res, new PushError('TABMUX_ERR_NOT_FOUND', `no endpoint at ${path}`));
      return;
    }
    let cors: Readonly<Record<string, string>> = {};
    const fail = (error: unknown): void => {
      const e = counted(context, toPushError(error));
      if (e.code === 'TABMUX_ERR_INTERNAL') context.options.logger.error('request failed', { request: describeRequest(req), error });
      // An unread request body (e.g. a 413 before reading it all): close rather than parse on.
      const headers = req.complete ? {} : closeConnection(req);
      if (!req.complete) req.resume();
      // CORS headers on errors too, or a cross-origin page cannot read why it was refused.
      sendError(res, e, { ...cors, ...headers });
    };
    try {
      if (CORS_PATHS.has(path)) cors = corsHeaders(req, context.options.allowOrigin);
      route(context, req, res, path, query, cors).catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}
