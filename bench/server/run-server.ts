/**
 * The server section: every system through every measurement, one server process at a time
 * (so no two servers compete for the server core), then the targets' one-message-per-turn points
 * and paced latency check again in alternating rounds (paired.ts).
 */
import type { CatchUpResult, LatencyResult, MemoryResult, ThroughputResult } from './measure.js';
import { measureCatchUp, measureIdleMemory, measureLatency, measureThroughput, withServer } from './measure.js';
import { measurePaired, measurePairedLatency } from './paired.js';
import type { PairedLatencyResult, PairedResult } from './paired.js';
import type { ServerPlan } from './plan.js';
import { SYSTEMS, system } from './systems.js';
import type { SystemName } from './systems.js';

export interface SlowConsumerResult {
  readonly without: LatencyResult;
  readonly with: LatencyResult;
}

export interface ServerResults {
  readonly plan: ServerPlan;
  readonly pinned: boolean;
  readonly throughput: Partial<Record<SystemName, ThroughputResult[]>>;
  readonly latency: Partial<Record<SystemName, LatencyResult>>;
  readonly memory: Partial<Record<SystemName, MemoryResult>>;
  readonly catchUp: Partial<Record<SystemName, CatchUpResult>>;
  readonly slowConsumer: Partial<Record<SystemName, SlowConsumerResult>>;
  /** One message per turn in alternating rounds, for the targets (paired.ts). */
  readonly paired: PairedResult[];
  /** The paced latency check in alternating rounds, for the targets (paired.ts). */
  readonly pairedLatency: PairedLatencyResult[];
  readonly errors: string[];
}

const SLOW_CONSUMER_SIZE = 1024;

export async function runServerBench(plan: ServerPlan, pinned: boolean, log: (line: string) => void): Promise<ServerResults> {
  const results: ServerResults = { plan, pinned, throughput: {}, latency: {}, memory: {}, catchUp: {}, slowConsumer: {}, paired: [], pairedLatency: [], errors: [] };
  const attempt = async <T>(what: string, run: () => Promise<T>): Promise<T | undefined> => {
    const start = Date.now();
    try {
      const value = await run();
      log(`  ${what}: ${Date.now() - start} ms`);
      return value;
    } catch (error) {
      results.errors.push(`${what}: ${String(error)}`);
      log(`  ${what}: FAILED ${String(error)}`);
      return undefined;
    }
  };
  for (const s of SYSTEMS) {
    log(`server: ${s.name}`);
    await attempt(`${s.name} idle memory, throughput and latency`, () =>
      withServer(s, async (server) => {
        results.memory[s.name] = await measureIdleMemory(server, s, plan);
        results.throughput[s.name] = await measureThroughput(server, s, plan);
        results.latency[s.name] = await measureLatency(server, s, plan, 100, false);
      }),
    );
  }
  for (const point of plan.paired) {
    const what = `${point.systems.join(' / ')} at ${point.subscribers.toLocaleString('en-US')} subscribers, ${plan.pairedRounds} alternating rounds`;
    log(`server: ${what}`);
    const result = await attempt(what, () => measurePaired(point, plan, log));
    if (result) results.paired.push(result);
  }
  for (const systems of plan.pairedLatency) {
    const what = `${systems.join(' / ')} paced latency, ${plan.pairedRounds} alternating rounds`;
    log(`server: ${what}`);
    const result = await attempt(what, () => measurePairedLatency(systems, plan, log));
    if (result) results.pairedLatency.push(result);
  }
  for (const name of ['tabmux-sse', 'tabmux-ws'] as const) {
    log(`server: ${name} catch-up and slow consumer`);
    await attempt(`${name} catch-up, p99 without and with a slow consumer`, () =>
      withServer(system(name), async (server) => {
        results.catchUp[name] = await measureCatchUp(server, system(name), plan);
        const without = await measureLatency(server, system(name), plan, SLOW_CONSUMER_SIZE, false);
        const withSlow = await measureLatency(server, system(name), plan, SLOW_CONSUMER_SIZE, true);
        results.slowConsumer[name] = { without, with: withSlow };
      }),
    );
  }
  return results;
}
