/**
 * `push.fetch(request, info?)`: the push server as a Fetch API handler, for what speaks
 * Request/Response (Next.js route handlers, Hono, Bun, Deno). Every HTTP endpoint is served by
 * the node handler through fetch-bridge.ts, so it answers exactly as the node path does (basePath,
 * 404/405, CORS, limits, errors). The WebSocket is the exception: a Fetch handler cannot take over
 * its connection, so `/ws` answers 501 saying where WebSockets are served (the Node upgrade
 * path), and clients fall back to SSE or long-poll.
 */
import type { ServerContext } from './context.js';
import { stripBasePath } from './base-path.js';
import { errorJson, PushError } from './errors.js';
import { serveThroughNode } from './fetch-bridge.js';
import type { NodeHandler } from './fetch-bridge.js';

/**
 * Who the client is, for the per-IP limits: `clientAddress` when given. The second argument
 * `Deno.serve` passes its handler (`remoteAddr`) and the one Bun's `fetch` gets (the server, with
 * `requestIP`) are read as well, so `Deno.serve(push.fetch)` and `Bun.serve({ fetch: push.fetch })`
 * count clients by address without more code.
 */
export interface FetchInfo {
  readonly clientAddress?: string | undefined;
  readonly remoteAddr?: { readonly hostname?: string } | undefined;
  requestIP?(request: Request): { readonly address: string } | null | undefined;
}

export type FetchHandler = (request: Request, info?: FetchInfo) => Promise<Response>;

const NO_WEBSOCKET = new PushError(
  'TABMUX_ERR_NOT_SUPPORTED',
  "push.fetch serves no WebSocket (a Fetch handler cannot take over its connection): mount push.handleUpgrade on the Node http.Server's 'upgrade' event, or use /sse or /poll",
);

function clientAddressOf(request: Request, info: FetchInfo | undefined): string | undefined {
  if (typeof info !== 'object' || info === null) return undefined;
  if (typeof info.clientAddress === 'string') return info.clientAddress;
  const hostname = info.remoteAddr?.hostname;
  if (typeof hostname === 'string') return hostname;
  if (typeof info.requestIP === 'function') {
    const address = info.requestIP(request)?.address;
    if (typeof address === 'string') return address;
  }
  return undefined;
}

function errorResponse(error: PushError): Response {
  return new Response(errorJson(error.code, error.message), {
    status: error.status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' },
  });
}

export function createFetchHandler(context: ServerContext, handleRequest: NodeHandler): FetchHandler {
  const { basePath, trustProxy, logger } = context.options;
  let warned = false;
  return (request, info) => {
    const url = new URL(request.url);
    if (request.method === 'GET' && stripBasePath(url.pathname, basePath) === '/ws') return Promise.resolve(errorResponse(NO_WEBSOCKET));
    const clientAddress = clientAddressOf(request, info);
    if (clientAddress === undefined && trustProxy === 0 && !warned) {
      // Said once: every such request shares one per-IP bucket (limits.ts), so maxConnectionsPerIp
      // would bound all of these clients together.
      warned = true;
      logger.warn('push.fetch got a request without a client address: per-IP limits count all such requests as one client', {
        fix: 'pass push.fetch(request, { clientAddress }), or set trustProxy behind a proxy that writes X-Forwarded-For',
      });
    }
    return serveThroughNode(handleRequest, request, url, clientAddress);
  };
}
