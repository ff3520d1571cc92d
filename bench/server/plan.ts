/**
 * Sizes of the server runs. `quick` keeps every figure but at a smaller scale (the test suite
 * runs it); the full run is what RESULTS.md reports. Every loop below is bounded by these counts
 * and by the timeouts.
 */
import type { SystemName } from './systems.js';

export interface ServerPlan {
  readonly subscriberCounts: readonly number[];
  readonly sizes: readonly number[];
  /** Deliveries aimed at per throughput measurement (messages = this / subscribers, at least `minMessages`). */
  readonly deliveriesPerRun: number;
  /** Messages per throughput measurement at the least: at 10,000 subscribers, 3 were one burst's noise. */
  readonly minMessages: number;
  /** Throughput is measured this many times per point and the best kept: the least disturbed run on a shared machine. */
  readonly repeats: number;
  /** Messages published in one event-loop turn for the "together" throughput (100 B messages). */
  readonly together: number;
  readonly latencySubscribers: number;
  readonly latencyRate: number;
  readonly latencyMessages: number;
  readonly idleConnections: number;
  readonly catchUpClients: number;
  readonly catchUpBehind: number;
  readonly timeoutMs: number;
  /**
   * One message per turn, measured again in alternating rounds (paired.ts): the systems compared
   * at each of these points, and how many rounds. An odd count gives a true median.
   */
  readonly paired: readonly PairedPoint[];
  /** The paced latency check in alternating rounds: a raw loop and tabmux on its transport. */
  readonly pairedLatency: readonly (readonly SystemName[])[];
  readonly pairedRounds: number;
}

/** Systems whose ratio a target reads at one subscriber count; the first is the baseline. */
export interface PairedPoint {
  readonly subscribers: number;
  readonly systems: readonly SystemName[];
}

/** Each transport's raw loop and tabmux: the pairs of the alternating rounds (raw loop first, the baseline). */
const RAW_AND_TABMUX: readonly (readonly SystemName[])[] = [
  ['raw-sse', 'tabmux-sse'],
  ['raw-ws', 'tabmux-ws'],
];

export const FULL_PLAN: ServerPlan = {
  subscriberCounts: [100, 1000, 10_000],
  sizes: [100, 1024],
  deliveriesPerRun: 30_000,
  minMessages: 20,
  repeats: 2,
  together: 10,
  latencySubscribers: 1000,
  // 50 messages/s (the paced check of the coalescing path: README, Performance): 50,000
  // deliveries/s, under every system's throughput here on a quiet run, so latency is mostly not
  // queueing; 3 s of them.
  latencyRate: 50,
  latencyMessages: 150,
  idleConnections: 2000,
  catchUpClients: 1000,
  catchUpBehind: 100,
  timeoutMs: 60_000,
  // The targets' one-message-per-turn points; at 1,000 the raw ws loop is measured beside
  // socket.io too: the most any WebSocket server could beat socket.io by with one write per message.
  paired: [...RAW_AND_TABMUX.map((systems) => ({ subscribers: 10_000, systems })), { subscribers: 1000, systems: ['socket.io', 'raw-ws', 'tabmux-ws'] }],
  pairedLatency: RAW_AND_TABMUX,
  pairedRounds: 3,
};

export const QUICK_PLAN: ServerPlan = {
  subscriberCounts: [10, 50, 200],
  sizes: [100, 1024],
  deliveriesPerRun: 5_000,
  minMessages: 3,
  repeats: 1,
  together: 10,
  latencySubscribers: 100,
  latencyRate: 20,
  latencyMessages: 20,
  idleConnections: 100,
  catchUpClients: 100,
  catchUpBehind: 100,
  timeoutMs: 20_000,
  paired: [
    { subscribers: 200, systems: ['raw-sse', 'tabmux-sse'] },
    { subscribers: 200, systems: ['socket.io', 'raw-ws', 'tabmux-ws'] },
  ],
  pairedLatency: RAW_AND_TABMUX,
  pairedRounds: 1,
};
