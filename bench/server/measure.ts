/**
 * One measurement each: throughput (with CPU time), latency at a fixed rate (optionally next to
 * a slow consumer), idle memory per connection, and catch-up of resuming clients. Each takes the
 * caller's server process and opens its own fresh connections; memory and catch-up go first in a
 * fresh process, so they inherit no heap or history.
 */
import { wallMs } from '../lib/clock.js';
import { Samples, summarize } from '../lib/stats.js';
import type { Summary } from '../lib/stats.js';
import { createTally, reach } from './clients/counter.js';
import type { Tally } from './clients/counter.js';
import { closeAll, openSubscribers } from './clients/subscribers.js';
import type { ServerPlan } from './plan.js';
import { startServerProcess } from './server-handle.js';
import type { ServerHandle } from './server-handle.js';
import type { System } from './systems.js';

export interface ThroughputResult {
  readonly subscribers: number;
  readonly size: number;
  readonly messages: number;
  /** Messages published in one event-loop iteration (absent: 1). */
  readonly together?: number;
  /** The `together` messages each from its own callback of the iteration (as POSTs read together), not from one. */
  readonly apart?: boolean;
  /** NaN when the run did not complete in time. */
  readonly deliveriesPerSec: number;
  readonly cpuMsPer1000: number;
  readonly error?: string;
}

export interface LatencyResult extends Summary {
  readonly subscribers: number;
  readonly size: number;
  readonly rate: number;
  /** How late the publisher itself ever was against its schedule (ms). */
  readonly publisherLateMs: number;
  readonly slowConsumer: boolean;
  readonly error?: string;
}

export interface MemoryResult {
  readonly connections: number;
  readonly heapBytesPerConnection: number;
  /** `external` (Buffers, socket state bound to JS objects) per connection. */
  readonly externalBytesPerConnection: number;
  readonly rssBytesPerConnection: number;
}

export interface CatchUpResult {
  readonly clients: number;
  readonly behind: number;
  /** Connecting the same number of clients with nothing to replay. */
  readonly freshMs: number;
  readonly resumeMs: number;
  readonly delivered: number;
}

export async function withServer<T>(system: System, run: (server: ServerHandle) => Promise<T>): Promise<T> {
  const server = await startServerProcess(system.target);
  try {
    return await run(server);
  } finally {
    await server.close();
  }
}

/**
 * Deliveries/s at each subscriber count: every message size published one per iteration, then
 * (when `together` > 1) 100 B messages published `together` per iteration, from one callback and
 * from `together` callbacks.
 */
export async function measureThroughput(server: ServerHandle, system: System, plan: ServerPlan): Promise<ThroughputResult[]> {
  const results: ThroughputResult[] = [];
  for (const subscribers of plan.subscriberCounts) {
    const tally = createTally(server.offsetMs);
    const subs = await openSubscribers(system.client, server.port, subscribers, tally, { timeoutMs: plan.timeoutMs * 2 });
    try {
      const points = [
        ...plan.sizes.map((size) => ({ size, together: 1, apart: false })),
        ...(plan.together > 1 ? [{ size: 100, together: plan.together, apart: false }, { size: 100, together: plan.together, apart: true }] : []),
      ];
      for (const { size, together, apart } of points) {
        const messages = Math.max(plan.minMessages, Math.ceil(plan.deliveriesPerRun / subscribers));
        try {
          // Warm-up: JIT and socket buffers, not measured.
          tally.delivered = 0;
          await server.burst(3, size, plan.timeoutMs);
          await reach(tally, 3 * subscribers, plan.timeoutMs, `${system.name} warm-up`);
          let best: ThroughputResult | undefined;
          for (let round = 0; round < plan.repeats; round++) {
            const run = await burstOnce(server, tally, { subscribers, size, messages, together, apart }, plan.timeoutMs, system.name);
            if (!best || run.deliveriesPerSec > best.deliveriesPerSec) best = run;
          }
          results.push(best!);
        } catch (error) {
          results.push({ subscribers, size, messages, together, apart, deliveriesPerSec: Number.NaN, cpuMsPer1000: Number.NaN, error: String(error) });
        }
      }
    } finally {
      closeAll(subs);
    }
  }
  return results;
}

interface BurstPoint {
  readonly subscribers: number;
  readonly size: number;
  readonly messages: number;
  readonly together: number;
  readonly apart: boolean;
}

async function burstOnce(server: ServerHandle, tally: Tally, point: BurstPoint, timeoutMs: number, name: string): Promise<ThroughputResult> {
  const { subscribers, size, messages, together, apart } = point;
  tally.delivered = 0;
  const before = await server.stats(false);
  const start = wallMs();
  const published = server.burst(messages, size, timeoutMs, together, apart);
  const end = await reach(tally, messages * subscribers, timeoutMs, `${name} ${subscribers}×${size} B`);
  await published;
  const after = await server.stats(false);
  const deliveries = messages * subscribers;
  return {
    subscribers,
    size,
    messages,
    together,
    apart,
    deliveriesPerSec: deliveries / ((end - start) / 1000),
    cpuMsPer1000: (after.cpuMicros - before.cpuMicros) / 1000 / (deliveries / 1000),
  };
}

export async function measureLatency(server: ServerHandle, system: System, plan: ServerPlan, size: number, slowConsumer: boolean): Promise<LatencyResult> {
  const subscribers = plan.latencySubscribers;
  const tally = createTally(server.offsetMs);
  const subs = await openSubscribers(system.client, server.port, subscribers, tally, { timeoutMs: plan.timeoutMs * 2 });
  const slowTally = createTally(server.offsetMs);
  const slow = slowConsumer ? await openSubscribers(system.client, server.port, 1, slowTally) : [];
  const base = { subscribers, size, rate: plan.latencyRate, slowConsumer };
  try {
    for (const s of slow) s.pause();
    await server.burst(3, size, plan.timeoutMs);
    await reach(tally, 3 * subscribers, plan.timeoutMs, `${system.name} warm-up`);
    tally.delivered = 0;
    const samples = new Samples();
    tally.samples = samples;
    const publishTime = (plan.latencyMessages * 1000) / plan.latencyRate;
    const done = server.rate(plan.latencyMessages, size, plan.latencyRate, publishTime + plan.timeoutMs);
    await reach(tally, plan.latencyMessages * subscribers, publishTime + plan.timeoutMs, `${system.name} latency run`);
    const { lateMs } = await done;
    return { ...base, ...summarize(samples.values()), publisherLateMs: lateMs };
  } catch (error) {
    return { ...base, count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN, publisherLateMs: Number.NaN, error: String(error) };
  } finally {
    closeAll(subs);
    closeAll(slow);
  }
}

/** Run it first in a fresh server process: the baseline heap is then the server's own. */
export async function measureIdleMemory(server: ServerHandle, system: System, plan: ServerPlan): Promise<MemoryResult> {
  const connections = plan.idleConnections;
  // One connection first, so lazily built per-channel state is not charged to the N.
  const first = await openSubscribers(system.client, server.port, 1, createTally(0));
  const before = await server.stats(true);
  const subs = await openSubscribers(system.client, server.port, connections, createTally(0), { timeoutMs: plan.timeoutMs * 2 });
  try {
    const after = await server.stats(true);
    return {
      connections,
      heapBytesPerConnection: (after.heapUsed - before.heapUsed) / connections,
      externalBytesPerConnection: (after.external - before.external) / connections,
      rssBytesPerConnection: (after.rss - before.rss) / connections,
    };
  } finally {
    closeAll(subs);
    closeAll(first);
  }
}

/** Run it first in a fresh server process: its history then holds exactly the messages it publishes. */
export async function measureCatchUp(server: ServerHandle, system: System, plan: ServerPlan): Promise<CatchUpResult> {
  const clients = plan.catchUpClients;
  const marker = await server.burst(1, 100, plan.timeoutMs);
  if (!marker.lastId) throw new Error(`${system.name} has no resume tokens`);
  await server.burst(plan.catchUpBehind, 100, plan.timeoutMs);

  let start = wallMs();
  const fresh = await openSubscribers(system.client, server.port, clients, createTally(0), { timeoutMs: plan.timeoutMs });
  const freshMs = wallMs() - start;
  closeAll(fresh);

  const tally = createTally(server.offsetMs);
  start = wallMs();
  const resumed = await openSubscribers(system.client, server.port, clients, tally, { lastEventId: marker.lastId, timeoutMs: plan.timeoutMs });
  const goal = clients * plan.catchUpBehind;
  const end = await reach(tally, goal, plan.timeoutMs, `${system.name} catch-up`);
  closeAll(resumed);
  return { clients, behind: plan.catchUpBehind, freshMs, resumeMs: end - start, delivered: tally.delivered };
}
