/**
 * Counters and gauges for `GET /metrics`, in the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). The documented names are in the
 * README (Metrics); gauges of open connections are read from the live connection set when scraped.
 */
import type { HistoryStats } from './broker/broker.js';
import { LIMIT_NAMES, createRefusalCounts } from './limits.js';
import type { RefusalCounts } from './limits.js';

export type Transport = 'sse' | 'ws' | 'poll';
export const TRANSPORTS: readonly Transport[] = ['sse', 'ws', 'poll'];

export interface Metrics {
  published: number;
  delivered: number;
  slowConsumersDropped: number;
  /** The largest send buffer any one subscriber had right after a write: proof the bound holds. */
  sendBufferPeakBytes: number;
  /** Requests/connections refused by each limit (limits.ts). */
  readonly limitRefusals: RefusalCounts;
  /** Refused credentials: 401 (missing/invalid/expired token) and 403 (channel not allowed). */
  readonly authRefusals: { unauthorized: number; forbidden: number };
}

export function createMetrics(): Metrics {
  return {
    published: 0,
    delivered: 0,
    slowConsumersDropped: 0,
    sendBufferPeakBytes: 0,
    limitRefusals: createRefusalCounts(),
    authRefusals: { unauthorized: 0, forbidden: 0 },
  };
}

export interface Gauges {
  readonly connections: Readonly<Record<Transport, number>>;
  readonly subscriptions: number;
  /** Channels this node holds one broker subscription for. */
  readonly channels: number;
  /** This node's history budget, when the broker keeps its history here (the memory broker). */
  readonly history: HistoryStats | undefined;
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function renderMetrics(metrics: Metrics, gauges: Gauges): string {
  const out: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: [string, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${name}${labels} ${value}`);
  };
  metric(
    'tabmux_connections',
    'gauge',
    'Open client connections by transport.',
    TRANSPORTS.map((t) => [`{transport="${t}"}`, gauges.connections[t]]),
  );
  metric('tabmux_subscriptions', 'gauge', 'Channel subscriptions held by open connections.', [['', gauges.subscriptions]]);
  metric('tabmux_channels', 'gauge', 'Channels this node is subscribed to at the broker.', [['', gauges.channels]]);
  if (gauges.history) {
    const { history } = gauges;
    metric('tabmux_history_channels', 'gauge', 'Channels with history kept on this node.', [['', history.channels]]);
    metric('tabmux_history_bytes', 'gauge', 'Estimated bytes of history kept on this node (bounded by historyMaxBytes).', [['', history.bytes]]);
    metric(
      'tabmux_history_evicted_total',
      'counter',
      'Channel histories dropped: least recently published past a budget, or idle past historyTtl.',
      (['bytes', 'channels', 'ttl'] as const).map((reason) => [`{reason="${reason}"}`, history.evicted[reason]]),
    );
  }
  metric('tabmux_messages_published_total', 'counter', 'Messages published through this node.', [['', metrics.published]]);
  metric('tabmux_messages_delivered_total', 'counter', 'Messages written to subscribers (one per subscriber).', [['', metrics.delivered]]);
  metric('tabmux_slow_consumers_dropped_total', 'counter', 'Subscribers dropped because their send buffer passed maxBufferedBytes, or their replay did not drain within drainTimeout.', [
    ['', metrics.slowConsumersDropped],
  ]);
  metric('tabmux_send_buffer_peak_bytes', 'gauge', 'Largest send buffer one subscriber reached since start.', [['', metrics.sendBufferPeakBytes]]);
  metric(
    'tabmux_limit_refusals_total',
    'counter',
    'Requests or connections refused by a limit.',
    LIMIT_NAMES.map((name) => [`{limit="${name}"}`, metrics.limitRefusals[name]]),
  );
  metric('tabmux_auth_refusals_total', 'counter', 'Requests or frames refused for their credentials.', [
    ['{code="unauthorized"}', metrics.authRefusals.unauthorized],
    ['{code="forbidden"}', metrics.authRefusals.forbidden],
  ]);
  return `${out.join('\n')}\n`;
}
