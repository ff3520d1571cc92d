/**
 * What every endpoint shares: options, broker, the channel registry, metrics, and the set of open
 * connections (which `close()` walks and /metrics counts).
 */
import type { Broker } from './broker/broker.js';
import type { Metrics, Transport } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import type { ChannelRegistry } from './registry.js';
import type { AuthConfig } from './auth.js';
import type { ConnectionsPerIp, RateLimit } from './limits.js';
import type { PushError } from './errors.js';
import type { RateSampler } from './rate-sampler.js';
import type { NodeInfo } from './status-report.js';

/** One open client connection, whatever its transport. */
export interface Connection {
  readonly transport: Transport;
  /** Channel subscriptions it holds now. */
  subscriptions(): number;
  /** Graceful close: tell the client to come back (resume elsewhere), then end. */
  shutdown(): void;
  /** Cut at once (close() timed out). */
  destroy(): void;
}

export interface ServerContext {
  readonly options: ResolvedOptions;
  readonly broker: Broker;
  readonly registry: ChannelRegistry;
  readonly metrics: Metrics;
  readonly connections: Set<Connection>;
  readonly auth: AuthConfig;
  readonly connectionsPerIp: ConnectionsPerIp;
  readonly publishRate: RateLimit;
  /** New SSE streams and WebSocket upgrades per client address (limitKey). */
  readonly connectionRate: RateLimit;
  /** True once close() began (or a drain ends its streams): new requests get 503. */
  closing: boolean;
  /** True once drain() began: `/health` (readiness) answers 503 while everything else is served. */
  draining: boolean;
  /** The status page's state, when `status` is on. */
  readonly status: { readonly node: NodeInfo; readonly rates: RateSampler } | undefined;
}

/** Records a subscriber's send buffer after a write; true when it passed the bound (drop it). */
export function overBufferBound(context: ServerContext, bufferedBytes: number): boolean {
  if (bufferedBytes > context.metrics.sendBufferPeakBytes) context.metrics.sendBufferPeakBytes = bufferedBytes;
  if (bufferedBytes <= context.options.maxBufferedBytes) return false;
  context.metrics.slowConsumersDropped++;
  return true;
}

/** Counts a refusal in the metrics by what refused it (auth or a limit), then returns it. */
export function counted(context: ServerContext, error: PushError): PushError {
  const { metrics } = context;
  if (error.code === 'TABMUX_ERR_UNAUTHORIZED') metrics.authRefusals.unauthorized++;
  else if (error.code === 'TABMUX_ERR_FORBIDDEN') metrics.authRefusals.forbidden++;
  else if (error.code === 'TABMUX_ERR_TOO_LARGE') metrics.limitRefusals.message_size++;
  else if (error.code === 'TABMUX_ERR_TOO_MANY_CHANNELS') metrics.limitRefusals.channels_per_stream++;
  return error;
}
