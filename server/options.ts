/**
 * `createPushServer(options)` options (README, Server), their defaults, and the checks
 * that refuse a bad configuration at start rather than at the first request.
 */
import type { Broker } from './broker/broker.js';
import type { Logger, ServerLog } from './logger.js';
import { consoleLogger, serverLog } from './logger.js';
import { PushError } from './errors.js';
import { createJwtKeys } from './auth-keys.js';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { JwtKeys } from './auth-keys.js';

export interface PushServerOptions {
  /** Used by `listen()` when it is called without a port (default 8080). */
  readonly port?: number;
  /** Used by `listen()` when it is called without a host (default 127.0.0.1). */
  readonly host?: string;
  /** Redis URL to scale out over Redis. */
  readonly redis?: string;
  /** A broker instance; wins over `redis` and the embedded memory broker. Not closed by `close()`. */
  readonly broker?: Broker;
  /** HS256 secret (at least 32 bytes) for client JWTs: subscribing then needs a token. */
  readonly jwtSecret?: string;
  /** PEM public key (RSA → RS256, EC P-256 → ES256) or a JWKS JSON text, for client JWTs. */
  readonly jwtPublicKey?: string;
  /**
   * An identity provider's JWKS URL (its `jwks_uri`, https): client JWTs are verified with its
   * keys, fetched and cached, refetched when a token names an unknown `kid` (a rotation; at most
   * once per 30 s) and every 10 min. Excludes `jwtPublicKey`. While the set cannot be fetched,
   * subscribers get 503 (WebSocket: close 1013), not 401: their tokens are not at fault.
   */
  readonly jwtJwksUrl?: string;
  /** Seconds between two fetches of `jwtJwksUrl` at the least, even for unknown `kid`s (default 30). */
  readonly jwtJwksCooldown?: number;
  /** When set, a client JWT's `aud` must name this audience. */
  readonly jwtAudience?: string;
  /** When set, a client JWT's `iss` must equal this issuer. */
  readonly jwtIssuer?: string;
  /** Seconds of clock skew allowed on `exp`/`nbf` (default 30). */
  readonly jwtClockTolerance?: number;
  /** Seconds a WebSocket may stay open without a token before it is closed 4001 (default 10). */
  readonly authTimeout?: number;
  /**
   * Open SSE/WebSocket/poll connections one IP address (IPv6: one /64) may hold (default 4096: a
   * backstop; a NAT of thousands of browsers holds one each, so floods are `connectionRate`'s job).
   */
  readonly maxConnectionsPerIp?: number;
  /**
   * New SSE streams and WebSocket upgrades per second per client address (IPv6: per /64), after
   * `connectionBurst` at once (default 50/s, burst 500): stops a flood from one address without
   * capping how many browsers behind one NAT stay connected. Long polls are not counted.
   */
  readonly connectionRate?: number;
  /** New streams one address may open at once before `connectionRate` applies (default 500). */
  readonly connectionBurst?: number;
  /** Publishes per second per token (`sub`, else the IP); publish key and open-server publishes are exempt (default 50). */
  readonly publishRate?: number;
  /** Publishes allowed at once before `publishRate` applies (default 100). */
  readonly publishBurst?: number;
  /** Largest request head (request line + headers) in bytes → 431 (default 16384). */
  readonly maxHeaderSize?: number;
  /** Longest request URL in bytes → 414 (default 8192). */
  readonly maxUrlLength?: number;
  /** Seconds a client has to send its request headers (slowloris) → 408 (default 10). */
  readonly headersTimeout?: number;
  /** Seconds a client has to send its whole request, body included → 408 (default 30). */
  readonly requestTimeout?: number;
  /** When set, `/metrics` and `/status(.json)` need `Authorization: Bearer <metricsKey>` (or the publish key). */
  readonly metricsKey?: string;
  /** When set, publishing needs `Authorization: Bearer <publishKey>`. */
  readonly publishKey?: string;
  /**
   * A path prefix every endpoint lives under when mounted inside another app without a router
   * that strips it (`/realtime` → `/realtime/sse`, `/realtime/ws`). Default: none.
   */
  readonly basePath?: string;
  /** Origins allowed to use the server from a browser. Empty/absent: any origin, without credentials. */
  readonly allowOrigin?: readonly string[];
  /** Messages kept per channel for resume (default 1000). */
  readonly history?: number;
  /** Embedded broker: estimated bytes of history kept over all channels (default 64 MiB). */
  readonly historyMaxBytes?: number;
  /** Embedded broker: channels kept with history (default 10000). */
  readonly historyMaxChannels?: number;
  /** Seconds without a publish after which a channel's history is forgotten, in memory and in Redis (default 3600). */
  readonly historyTtl?: number;
  /** Seconds between heartbeats on streams (SSE comments, WebSocket pings). Default 25. */
  readonly heartbeat?: number;
  /** Largest published value, in bytes of JSON (default 65536). */
  readonly maxMessageSize?: number;
  /** Most channels one stream (SSE, poll, one WebSocket) may hold (default 100). */
  readonly maxChannelsPerStream?: number;
  /** Bytes a subscriber may have queued unsent before it is dropped as a slow consumer (default 4 MiB). */
  readonly maxBufferedBytes?: number;
  /** Seconds a resuming client may take to drain one write of its replay before it is dropped as a slow consumer (default 30). */
  readonly drainTimeout?: number;
  /** The SSE `retry:` reconnection hint, in ms (default 2000). */
  readonly retry?: number;
  /** Longest `timeout` a poll may ask for, in seconds (default 60; a poll's own default is 25). */
  readonly maxPollTimeout?: number;
  /** How long `close()` waits for clients to leave before cutting them, in ms (default 5000). */
  readonly closeTimeout?: number;
  /** Seconds a publish's idempotency key is remembered: a retry within it stores nothing (default 300). */
  readonly idempotencyWindow?: number;
  /**
   * Seconds `drain()` keeps serving with `/health` at 503, so balancers stop routing new clients
   * here before the streams end (default 5).
   */
  readonly drainDelay?: number;
  /** Seconds over which `drain()` then ends the streams, so they do not all reconnect at once (default 3). */
  readonly drainSpread?: number;
  /**
   * Serve the live status page at `/status` (and its data at `/status.json`). Off by default;
   * behind the publish key when one is set (status-endpoint.ts).
   */
  readonly status?: boolean;
  /**
   * Behind reverse proxies: take the client address for the per-IP limits from
   * `X-Forwarded-For` instead of the socket. `true` trusts one proxy hop, a number that many.
   * Unset: the header is ignored, since any client can write it (client-address.ts).
   */
  readonly trustProxy?: boolean | number;
  /** This node's name on the status page (default: hostname-pid-random). */
  readonly nodeId?: string;
  /** Where log events go: pino's shape, `level(fields, message)` (a pino logger, `console`…). Default `consoleLogger`. */
  readonly logger?: Logger;
}

export interface ResolvedOptions {
  readonly port: number;
  readonly host: string;
  readonly publishKey: string | undefined;
  readonly metricsKey: string | undefined;
  /** The JWT keys and their allowed algorithms; undefined: no JWT auth. */
  readonly jwt: JwtKeys | undefined;
  readonly jwtClockTolerance: number;
  readonly jwtAudience: string | undefined;
  readonly jwtIssuer: string | undefined;
  readonly authTimeoutMs: number;
  readonly maxConnectionsPerIp: number;
  readonly connectionRate: number;
  readonly connectionBurst: number;
  readonly publishRate: number;
  readonly publishBurst: number;
  readonly maxHeaderSize: number;
  readonly maxUrlLength: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** '' or '/prefix' (no trailing slash). */
  readonly basePath: string;
  readonly allowOrigin: readonly string[];
  readonly history: number;
  readonly historyMaxBytes: number;
  readonly historyMaxChannels: number;
  readonly historyTtlMs: number;
  readonly heartbeatMs: number;
  readonly maxMessageSize: number;
  readonly maxChannelsPerStream: number;
  readonly maxBufferedBytes: number;
  readonly drainTimeoutMs: number;
  readonly retry: number;
  readonly defaultPollTimeout: number;
  readonly maxPollTimeout: number;
  readonly closeTimeout: number;
  readonly idempotencyWindowMs: number;
  readonly drainDelayMs: number;
  readonly drainSpreadMs: number;
  readonly status: boolean;
  /** Proxy hops trusted in X-Forwarded-For; 0: the header is ignored. */
  readonly trustProxy: number;
  readonly nodeId: string;
  readonly logger: ServerLog;
}

export const DEFAULTS = {
  port: 8080,
  host: '127.0.0.1',
  history: 1000,
  // The node's history budget (README, Limits and budgets): without it, every channel name a
  // publisher invents is kept forever. 64 MiB and 10,000 channels fit a small container; the
  // least recently published channel goes first, and a resume into it gets a reset.
  historyMaxBytes: 64 * 1024 * 1024,
  historyMaxChannels: 10_000,
  // An hour: longer than a lunch break with the laptop shut, short enough that abandoned channel
  // names (one per user, per document…) do not pile up in memory or in Redis.
  historyTtl: 3600,
  heartbeat: 25,
  maxMessageSize: 64 * 1024,
  maxChannelsPerStream: 100,
  // Several seconds of a busy channel, yet 1,000 stuck clients stay under 4 GiB worst case.
  maxBufferedBytes: 4 * 1024 * 1024,
  // 30 s: a phone on a bad mobile link stalls for seconds, not half a minute; a client that
  // reads nothing for that long is holding a replay page hostage.
  drainTimeout: 30,
  retry: 2000,
  // 25 s: under the 30 s idle timeouts common in proxies and load balancers.
  pollTimeout: 25,
  maxPollTimeout: 60,
  closeTimeout: 5000,
  // 5 min: covers a publisher's retries across a Redis failover or a proxy timeout, while the
  // keys of a busy publisher stay a bounded set.
  idempotencyWindow: 300,
  // 5 s: time for a readiness probe polled every second or two (or a balancer's health check) to
  // see the 503 and take the node out before its streams end; short enough for a deploy.
  drainDelay: 5,
  // 3 s: a node's clients come back to the others at a third of the rate in the worst second.
  drainSpread: 3,
  // 30 s: NTP-synced hosts are within a second; this covers phones and VMs that drift.
  jwtClockTolerance: 30,
  jwtJwksCooldown: 30,
  authTimeout: 10,
  // One browser holds one connection per origin (that is tabmux's point); 256 leaves room for
  // an office behind one NAT address while one host cannot exhaust the file descriptors.
  maxConnectionsPerIp: 4096,
  connectionRate: 50,
  connectionBurst: 500,
  publishRate: 50,
  publishBurst: 100,
  maxHeaderSize: 16 * 1024,
  maxUrlLength: 8 * 1024,
  // Node's own defaults (60 s / 300 s) let a slowloris client hold a socket for minutes.
  headersTimeout: 10,
  requestTimeout: 30,
} as const;

function bool(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new PushError('TABMUX_ERR_BAD_REQUEST', `option ${name} must be true or false`);
  return value;
}

function number(name: string, value: unknown, fallback: number, check: (n: number) => boolean, rule: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
    throw new PushError('TABMUX_ERR_BAD_REQUEST', `option ${name} must be ${rule}`);
  }
  return value;
}

function nonEmpty(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new PushError('TABMUX_ERR_BAD_REQUEST', `option ${name} must be a non-empty string`);
  return value;
}

const int = (min: number) => (n: number) => Number.isInteger(n) && n >= min;

/** More hops than any real proxy chain; a bigger number is a typo, not a topology. */
const MAX_PROXY_HOPS = 16;

function proxyHops(value: unknown): number {
  if (value === undefined || value === false) return 0;
  if (value === true) return 1;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_PROXY_HOPS) return value;
  throw new PushError('TABMUX_ERR_BAD_REQUEST', `option trustProxy must be true, false or a number of proxy hops 0..${MAX_PROXY_HOPS}`);
}

function nodeIdOf(value: unknown): string {
  if (value === undefined) return `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,100}$/.test(value)) {
    throw new PushError('TABMUX_ERR_BAD_REQUEST', 'option nodeId must be 1-100 printable ASCII characters without spaces');
  }
  return value;
}

export function resolveOptions(options: PushServerOptions): ResolvedOptions {
  const jwksCooldown = number('jwtJwksCooldown', options.jwtJwksCooldown, DEFAULTS.jwtJwksCooldown, (n) => n >= 0 && n <= 3600, 'a number of seconds in [0, 3600]');
  const jwt = createJwtKeys(options.jwtSecret, options.jwtPublicKey, options.jwtJwksUrl, jwksCooldown * 1000);
  if (options.redis !== undefined && (typeof options.redis !== 'string' || !/^rediss?:\/\//.test(options.redis))) {
    throw new PushError('TABMUX_ERR_BAD_REQUEST', 'option redis must be a URL like redis://host:6379[/db]');
  }
  if (options.publishKey !== undefined && (typeof options.publishKey !== 'string' || options.publishKey === '')) {
    throw new PushError('TABMUX_ERR_BAD_REQUEST', 'option publishKey must be a non-empty string');
  }
  const allowOrigin = options.allowOrigin ?? [];
  for (const origin of allowOrigin) {
    // An Origin header is serialized scheme://host[:port], never a path or trailing slash (RFC 6454 §6.2).
    if (typeof origin !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(origin)) {
      throw new PushError('TABMUX_ERR_BAD_REQUEST', `option allowOrigin: ${JSON.stringify(origin)} is not an origin like https://app.example.com`);
    }
  }
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  if (basePath !== '' && !/^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+$/.test(basePath)) {
    throw new PushError('TABMUX_ERR_BAD_REQUEST', `option basePath: ${JSON.stringify(options.basePath)} is not a path like /realtime`);
  }
  const seconds = (name: string, value: unknown, fallback: number) =>
    Math.round(number(name, value, fallback, (n) => n > 0 && n <= 3600, 'a number of seconds in (0, 3600]') * 1000);
  const headersTimeoutMs = seconds('headersTimeout', options.headersTimeout, DEFAULTS.headersTimeout);
  const requestTimeoutMs = seconds('requestTimeout', options.requestTimeout, DEFAULTS.requestTimeout);
  if (headersTimeoutMs > requestTimeoutMs) throw new PushError('TABMUX_ERR_BAD_REQUEST', 'option headersTimeout must not exceed requestTimeout');
  const heartbeat = number('heartbeat', options.heartbeat, DEFAULTS.heartbeat, (n) => n > 0 && n < 60, 'a number of seconds in (0, 60): proxies commonly cut a connection idle for 60 s');
  return {
    port: number('port', options.port, DEFAULTS.port, (n) => int(0)(n) && n <= 65535, 'an integer port 0..65535'),
    host: options.host ?? DEFAULTS.host,
    publishKey: options.publishKey,
    metricsKey: nonEmpty('metricsKey', options.metricsKey),
    jwt,
    jwtClockTolerance: number('jwtClockTolerance', options.jwtClockTolerance, DEFAULTS.jwtClockTolerance, (n) => n >= 0 && n <= 600, 'a number of seconds in [0, 600]'),
    jwtAudience: nonEmpty('jwtAudience', options.jwtAudience),
    jwtIssuer: nonEmpty('jwtIssuer', options.jwtIssuer),
    authTimeoutMs: seconds('authTimeout', options.authTimeout, DEFAULTS.authTimeout),
    maxConnectionsPerIp: number('maxConnectionsPerIp', options.maxConnectionsPerIp, DEFAULTS.maxConnectionsPerIp, int(1), 'an integer >= 1'),
    connectionRate: number('connectionRate', options.connectionRate, DEFAULTS.connectionRate, (n) => n > 0, 'a number > 0'),
    connectionBurst: number('connectionBurst', options.connectionBurst, DEFAULTS.connectionBurst, int(1), 'an integer >= 1'),
    publishRate: number('publishRate', options.publishRate, DEFAULTS.publishRate, (n) => n > 0, 'a number of publishes per second > 0'),
    publishBurst: number('publishBurst', options.publishBurst, DEFAULTS.publishBurst, int(1), 'an integer >= 1'),
    maxHeaderSize: number('maxHeaderSize', options.maxHeaderSize, DEFAULTS.maxHeaderSize, int(1024), 'an integer number of bytes >= 1024'),
    maxUrlLength: number('maxUrlLength', options.maxUrlLength, DEFAULTS.maxUrlLength, int(64), 'an integer number of bytes >= 64'),
    headersTimeoutMs,
    requestTimeoutMs,
    basePath,
    allowOrigin,
    history: number('history', options.history, DEFAULTS.history, int(0), 'an integer >= 0'),
    historyMaxBytes: number('historyMaxBytes', options.historyMaxBytes, DEFAULTS.historyMaxBytes, int(0), 'an integer number of bytes >= 0'),
    historyMaxChannels: number('historyMaxChannels', options.historyMaxChannels, DEFAULTS.historyMaxChannels, int(0), 'an integer >= 0'),
    historyTtlMs: Math.round(
      number('historyTtl', options.historyTtl, DEFAULTS.historyTtl, (n) => n >= 1 && n <= 30 * 86400, 'a number of seconds in [1, 2592000]') * 1000,
    ),
    heartbeatMs: Math.round(heartbeat * 1000),
    maxMessageSize: number('maxMessageSize', options.maxMessageSize, DEFAULTS.maxMessageSize, int(1), 'an integer >= 1'),
    maxChannelsPerStream: number('maxChannelsPerStream', options.maxChannelsPerStream, DEFAULTS.maxChannelsPerStream, int(1), 'an integer >= 1'),
    maxBufferedBytes: number('maxBufferedBytes', options.maxBufferedBytes, DEFAULTS.maxBufferedBytes, int(1), 'an integer >= 1'),
    drainTimeoutMs: seconds('drainTimeout', options.drainTimeout, DEFAULTS.drainTimeout),
    retry: number('retry', options.retry, DEFAULTS.retry, int(0), 'an integer number of ms >= 0'),
    defaultPollTimeout: DEFAULTS.pollTimeout,
    maxPollTimeout: number('maxPollTimeout', options.maxPollTimeout, DEFAULTS.maxPollTimeout, int(1), 'an integer number of seconds >= 1'),
    closeTimeout: number('closeTimeout', options.closeTimeout, DEFAULTS.closeTimeout, int(0), 'an integer number of ms >= 0'),
    idempotencyWindowMs: Math.round(number('idempotencyWindow', options.idempotencyWindow, DEFAULTS.idempotencyWindow, (n) => n > 0 && n <= 86_400, 'a number of seconds in (0, 86400]') * 1000),
    drainDelayMs: Math.round(number('drainDelay', options.drainDelay, DEFAULTS.drainDelay, (n) => n >= 0 && n <= 3600, 'a number of seconds in [0, 3600]') * 1000),
    drainSpreadMs: Math.round(number('drainSpread', options.drainSpread, DEFAULTS.drainSpread, (n) => n >= 0 && n <= 600, 'a number of seconds in [0, 600]') * 1000),
    status: bool('status', options.status),
    trustProxy: proxyHops(options.trustProxy),
    nodeId: nodeIdOf(options.nodeId),
    logger: serverLog(loggerOf(options.logger)),
  };
}

function loggerOf(logger: Logger | undefined): Logger {
  if (logger === undefined) return consoleLogger;
  if (!['info', 'warn', 'error'].every((level) => typeof (logger as unknown as Record<string, unknown>)[level] === 'function')) {
    throw new PushError('TABMUX_ERR_BAD_REQUEST', 'option logger must have info, warn and error methods (fields, message)');
  }
  return logger;
}
