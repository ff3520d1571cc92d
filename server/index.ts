/**
 * `createPushServer(options)` — the tabmux push server (README, Server). Run it alone
 * with `listen()`, or mount `handleRequest` / `handleUpgrade` on an existing http.Server,
 * Express, Fastify or Koa app.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { PublishResponse } from '../src/protocol/wire.js';
import type { Broker } from './broker/broker.js';
import { createMemoryBroker } from './broker/memory.js';
import { createRedisBroker } from './broker/redis.js';
import type { ServerContext } from './context.js';
import { PushError, fromBrokerError, writeRawError } from './errors.js';
import { createMetrics } from './metrics.js';
import { resolveOptions } from './options.js';
import type { PushServerOptions, ResolvedOptions } from './options.js';
import { publishValue } from './publish.js';
import { ChannelRegistry } from './registry.js';
import { createRequestHandler } from './router.js';
import type { Next } from './router.js';
import { isSseConnection } from './sse.js';
import { createWsEndpoint } from './ws.js';
import { ConnectionsPerIp, RateLimit } from './limits.js';
import { RateSampler, SAMPLE_EVERY_MS } from './rate-sampler.js';
import { RATE_WINDOWS } from './status-report.js';
import type { BrokerKind } from './status-report.js';
import { createFetchHandler } from './fetch-handler.js';
import type { FetchInfo } from './fetch-handler.js';

export type { PushServerOptions } from './options.js';
export { DEFAULTS } from './options.js';
export type { Logger, LogFields } from './logger.js';
export { consoleLogger, jsonLogger, silentLogger } from './logger.js';
export type { Broker } from './broker/broker.js';
export { createMemoryBroker } from './broker/memory.js';
export { createRedisBroker, type RedisBrokerOptions } from './broker/redis.js';
export { PushError } from './errors.js';
export { BrokerError, type BrokerErrorCode } from './broker/errors.js';
export type { FetchInfo } from './fetch-handler.js';

export interface PushServer {
  /** Starts an http.Server of its own; resolves once listening. */
  listen(port?: number, host?: string): Promise<{ port: number; host: string }>;
  /** Graceful: stop accepting, tell streaming clients to come back, then end within closeTimeout. */
  close(): Promise<void>;
  /**
   * The shutdown a deploy wants (README, Deploying): `/health` answers 503 at once while
   * everything else is served for `drainDelay`, so balancers stop sending new clients here; then
   * the streams end with the reconnect hint, spread over `drainSpread`, and `close()` follows.
   * Settles within drainDelay + drainSpread + closeTimeout. Idempotent.
   */
  drain(): Promise<void>;
  publish(channel: string, data: unknown): Promise<PublishResponse>;
  handleRequest(req: IncomingMessage, res: ServerResponse, next?: Next): void;
  /**
   * The `upgrade` listener for `/ws`. Mounted beside another WebSocket server, pass `next`: an
   * upgrade for any other path is handed to it instead of being refused with 404.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, next?: () => void): void;
  /**
   * Every HTTP endpoint as a Fetch API handler (Next.js route handlers, Hono, Bun, Deno): resolves
   * once the response head is ready, SSE streaming in the body. `/ws` answers 501: WebSockets
   * need `handleUpgrade` on a Node server. `info.clientAddress` is the client's address for the
   * per-IP limits (README, Fetch API handler).
   */
  fetch(request: Request, info?: FetchInfo): Promise<Response>;
  /** The http.Server started by listen(), if any. */
  readonly httpServer: Server | undefined;
}

// One SSE comment for every stream: encoded once, written to all (WHATWG HTML §9.2.6: a line
// starting with a colon is ignored; it keeps proxies and NATs from timing the stream out).
const HEARTBEAT_FRAME = Buffer.from(':\n\n');
const CLOSE_SWEEP_MS = 10;

/** The JSON answer to a request Node's parser refused before it reached a handler. */
function clientErrorAnswer(error: NodeJS.ErrnoException, metrics: ServerContext['metrics']): PushError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      metrics.limitRefusals.header_size++;
      return new PushError('TABMUX_ERR_HEADERS_TOO_LARGE', 'request headers are too large');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      // RFC 9110 §15.5.9: 408 — the client did not send its request in time (slowloris).
      metrics.limitRefusals.request_timeout++;
      return new PushError('TABMUX_ERR_REQUEST_TIMEOUT', 'the request was not sent in time');
    default:
      // Smuggling attempts (CL+TE, duplicate Content-Length, obs-fold) land here: llhttp refuses them.
      return new PushError('TABMUX_ERR_BAD_REQUEST', 'malformed HTTP request');
  }
}

/** The broker of its own a server runs: Redis when given a URL, else the embedded one. */
function brokerFor(redis: string | undefined, options: ResolvedOptions): Broker {
  const { history, historyTtlMs } = options;
  try {
    return redis !== undefined
      ? createRedisBroker(redis, { history, historyTtlMs })
      : createMemoryBroker({ history, historyTtlMs, historyMaxBytes: options.historyMaxBytes, historyMaxChannels: options.historyMaxChannels });
  } catch (error) {
    // A Redis URL that resolveOptions let through but the broker refuses: a bad option like any other.
    throw fromBrokerError(error);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function createPushServer(options: PushServerOptions = {}): PushServer {
  const resolved = resolveOptions(options);
  const { logger } = resolved;
  const ownBroker = options.broker === undefined;
  const broker: Broker = options.broker ?? brokerFor(options.redis, resolved);
  const metrics = createMetrics();
  const brokerKind: BrokerKind = options.broker !== undefined ? 'custom' : options.redis !== undefined ? 'redis' : 'memory';
  const rates = resolved.status
    ? new RateSampler(() => ({ published: metrics.published, delivered: metrics.delivered }), Math.max(...Object.values(RATE_WINDOWS)))
    : undefined;
  const context: ServerContext = {
    options: resolved,
    broker,
    registry: new ChannelRegistry(broker, logger, resolved.status),
    metrics,
    connections: new Set(),
    closing: false,
    draining: false,
    auth: {
      jwt: resolved.jwt,
      publishKey: resolved.publishKey,
      clockToleranceSeconds: resolved.jwtClockTolerance,
      audience: resolved.jwtAudience,
      issuer: resolved.jwtIssuer,
      allowOrigin: resolved.allowOrigin,
    },
    connectionsPerIp: new ConnectionsPerIp(resolved.maxConnectionsPerIp, metrics.limitRefusals),
    publishRate: new RateLimit(resolved.publishRate, resolved.publishBurst, metrics.limitRefusals, 'publish_rate', 'publishing'),
    connectionRate: new RateLimit(resolved.connectionRate, resolved.connectionBurst, metrics.limitRefusals, 'connection_rate', 'opening streams from your address'),
    status: rates && { node: { id: resolved.nodeId, startedAt: Date.now(), broker: brokerKind }, rates },
  };
  const ws = createWsEndpoint(context);
  const handleRequest = createRequestHandler(context);
  let httpServer: Server | undefined;
  let closed: Promise<void> | undefined;
  let drained: Promise<void> | undefined;

  const heartbeat = setInterval(() => {
    for (const connection of context.connections) if (isSseConnection(connection)) connection.heartbeat(HEARTBEAT_FRAME);
    ws.heartbeat();
  }, resolved.heartbeatMs);
  heartbeat.unref();
  const sampling = rates && setInterval(() => rates.sample(), SAMPLE_EVERY_MS);
  sampling?.unref();

  async function close(): Promise<void> {
    context.closing = true;
    clearInterval(heartbeat);
    clearInterval(sampling);
    const server = httpServer;
    const stopped = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    server?.closeIdleConnections();
    for (const connection of [...context.connections]) connection.shutdown();
    ws.close();
    // Keep-alive sockets become idle only once their stream/poll has ended: sweep them as they do.
    const sweep = setInterval(() => server?.closeIdleConnections(), CLOSE_SWEEP_MS);
    const deadline = new Promise<'timeout'>((resolve) => setTimeout(resolve, resolved.closeTimeout, 'timeout').unref());
    const outcome = await Promise.race([stopped.then(() => 'done' as const), deadline]);
    clearInterval(sweep);
    if (outcome === 'timeout') {
      logger.warn('close timed out: cutting remaining connections', { open: context.connections.size });
      for (const connection of [...context.connections]) connection.destroy();
      server?.closeAllConnections();
      await stopped;
    }
    if (ownBroker) await broker.close();
  }

  async function drain(): Promise<void> {
    context.draining = true;
    await sleep(resolved.drainDelayMs);
    if (closed) return closed;
    // From here new streams are told to come back (elsewhere: this node is out of the balancer),
    // while each open one ends at its own random moment of the spread.
    context.closing = true;
    const spreadMs = resolved.drainSpreadMs;
    await Promise.all(
      [...context.connections].map((connection) => sleep(Math.random() * spreadMs).then(() => connection.shutdown())),
    );
    await (closed ??= close());
  }

  return {
    get httpServer() {
      return httpServer;
    },
    handleRequest,
    handleUpgrade: ws.handleUpgrade,
    fetch: createFetchHandler(context, handleRequest),
    publish: (channel, data) => publishValue(context, channel, data),
    close: () => {
      context.draining = true;
      return (closed ??= close());
    },
    drain: () => (drained ??= drain()),
    listen(port = resolved.port, host = resolved.host) {
      if (httpServer) return Promise.reject(new Error('listen() was already called'));
      if (context.closing) return Promise.reject(new Error('the server is closed'));
      const server = createServer(
        {
          maxHeaderSize: resolved.maxHeaderSize,
          // Slowloris: a client gets headersTimeout to send its head and requestTimeout for the
          // whole request; Node checks both every connectionsCheckingInterval (default 30 s,
          // which would add up to 30 s to each bound).
          headersTimeout: resolved.headersTimeoutMs,
          requestTimeout: resolved.requestTimeoutMs,
          connectionsCheckingInterval: Math.min(1000, resolved.headersTimeoutMs),
        },
        (req, res) => handleRequest(req, res),
      );
      httpServer = server;
      server.on('upgrade', ws.handleUpgrade);
      server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
        // Garbage after a request whose response already started (a streaming GET /sse): any
        // status line written now would land inside that stream as data. Node's own handler
        // checks the same socket field before it answers.
        if ((socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage?.headersSent) {
          socket.destroy();
          return;
        }
        // Node's default answer here is a bare text status; ours is JSON like every other error.
        writeRawError(socket, clientErrorAnswer(error, metrics));
      });
      return new Promise((resolve, reject) => {
        server.once('error', (error) => {
          httpServer = undefined; // e.g. EADDRINUSE: listen() may be tried again
          reject(error);
        });
        server.listen(port, host, () => {
          server.removeAllListeners('error');
          // After start (e.g. EMFILE on accept): log and keep serving the connections we have.
          server.on('error', (error) => logger.error('http server error', { error }));
          const address = server.address() as AddressInfo;
          resolve({ port: address.port, host: address.address });
        });
      });
    },
  };
}
