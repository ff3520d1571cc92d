/**
 * What `/status.json` answers and `/status` renders: the node's state right now, read from the
 * same sources as `/metrics` (the live connection set, the channel registry, metrics.ts
 * counters) plus the rates of rate-sampler.ts. One plain JSON object, so a script can poll it.
 */
import type { ServerContext } from './context.js';
import type { Gauges, Transport } from './metrics.js';
import type { RefusalCounts } from './limits.js';
import type { ChannelStats } from './registry.js';
import type { RateSampler } from './rate-sampler.js';
import { TABMUX_VERSION } from '../src/protocol/version.js';

/** Where messages live: the embedded broker, Redis, or a broker instance the app passed in. */
export type BrokerKind = 'memory' | 'redis' | 'custom';

/** How many channels each "top" list shows. */
export const TOP_CHANNELS = 10;
/** The windows rates are given over, in seconds. */
export const RATE_WINDOWS = { last10s: 10, last1m: 60 } as const;

export interface NodeInfo {
  readonly id: string;
  readonly startedAt: number;
  readonly broker: BrokerKind;
}

export interface Rate {
  readonly total: number;
  /** Per second over each window of RATE_WINDOWS. */
  readonly perSecond: Readonly<Record<keyof typeof RATE_WINDOWS, number>>;
}

export interface StatusReport {
  readonly node: { readonly id: string; readonly version: string; readonly startedAt: string; readonly uptimeSeconds: number };
  readonly broker: { readonly kind: BrokerKind; readonly ok: boolean; readonly reason?: string };
  readonly connections: Readonly<Record<Transport, number>> & { readonly total: number };
  readonly subscriptions: number;
  readonly channels: {
    readonly count: number;
    readonly topBySubscribers: readonly ChannelStats[];
    /** Channels with messages lately, busiest first. */
    readonly topByRate: readonly ChannelStats[];
  };
  readonly messages: { readonly published: Rate; readonly delivered: Rate };
  readonly slowConsumersDropped: number;
  readonly refusals: { readonly limits: RefusalCounts; readonly auth: { readonly unauthorized: number; readonly forbidden: number } };
}

/** Open connections by transport and the subscriptions they hold, read from the live set. */
export function gauges(context: ServerContext): Gauges {
  const connections: Record<Transport, number> = { sse: 0, ws: 0, poll: 0 };
  let subscriptions = 0;
  for (const connection of context.connections) {
    connections[connection.transport]++;
    subscriptions += connection.subscriptions();
  }
  return { connections, subscriptions, channels: context.registry.size, history: context.broker.historyStats?.() };
}

/** The `n` largest by `key` (ties: by name), without sorting every channel of a busy node. */
function top(items: Iterable<ChannelStats>, key: 'subscribers' | 'perSecond', n: number): ChannelStats[] {
  const out: ChannelStats[] = [];
  const before = (a: ChannelStats, b: ChannelStats) => a[key] > b[key] || (a[key] === b[key] && a.channel < b.channel);
  for (const item of items) {
    if (item[key] <= 0) continue;
    if (out.length === n && !before(item, out[n - 1]!)) continue;
    let i = Math.min(out.length, n - 1);
    out[i] = item;
    for (; i > 0 && before(out[i]!, out[i - 1]!); i--) [out[i], out[i - 1]] = [out[i - 1]!, out[i]!];
  }
  return out;
}

const round = (n: number): number => Math.round(n * 100) / 100;

function rate(total: number, name: string, windows: Record<keyof typeof RATE_WINDOWS, Record<string, number>>): Rate {
  return { total, perSecond: { last10s: round(windows.last10s[name] ?? 0), last1m: round(windows.last1m[name] ?? 0) } };
}

export function statusReport(context: ServerContext, node: NodeInfo, sampler: RateSampler, now = Date.now()): StatusReport {
  const { metrics } = context;
  const g = gauges(context);
  const health = context.broker.health();
  const channels = [...context.registry.stats()];
  const windows = { last10s: sampler.rates(RATE_WINDOWS.last10s), last1m: sampler.rates(RATE_WINDOWS.last1m) };
  return {
    node: { id: node.id, version: TABMUX_VERSION, startedAt: new Date(node.startedAt).toISOString(), uptimeSeconds: Math.floor((now - node.startedAt) / 1000) },
    broker: { kind: node.broker, ok: health.ok, ...(health.reason !== undefined && !health.ok ? { reason: health.reason } : {}) },
    connections: { ...g.connections, total: g.connections.sse + g.connections.ws + g.connections.poll },
    subscriptions: g.subscriptions,
    channels: {
      count: g.channels,
      topBySubscribers: top(channels, 'subscribers', TOP_CHANNELS),
      topByRate: top(channels, 'perSecond', TOP_CHANNELS).map((c) => ({ ...c, perSecond: round(c.perSecond) })),
    },
    messages: {
      published: rate(metrics.published, 'published', windows),
      delivered: rate(metrics.delivered, 'delivered', windows),
    },
    slowConsumersDropped: metrics.slowConsumersDropped,
    refusals: { limits: { ...metrics.limitRefusals }, auth: { ...metrics.authRefusals } },
  };
}
