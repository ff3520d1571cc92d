/**
 * One message per turn, and the paced latency check, measured in alternating rounds. The tables
 * measure each system in a window of its own, a minute or more apart; on a shared machine the
 * load of other work drifts between windows by more than the margins the targets judge (the raw
 * SSE loop ran at 8 to 17 µs per delivery in one day's runs). Here each round measures every
 * system of a point in turn, a fresh server process each, seconds apart, starting with a
 * different one each round, and a ratio (or a latency difference) is taken within each round: the
 * targets read the median.
 */
import { measureLatency, measureThroughput, withServer } from './measure.js';
import type { PairedPoint, ServerPlan } from './plan.js';
import { system } from './systems.js';
import type { SystemName } from './systems.js';

export interface PairedResult extends PairedPoint {
  /** Per round, each system's deliveries/s in `systems` order (NaN where its run failed). */
  readonly rounds: readonly (readonly number[])[];
}

/** The paced latency check (plan.latency*) in alternating rounds: per round, each system's p50 and p99 (ms). */
export interface PairedLatencyResult {
  readonly systems: readonly SystemName[];
  readonly rounds: readonly (readonly { readonly p50: number; readonly p99: number }[])[];
}

/**
 * `rounds` rounds of `measure` on every system, each in a fresh server process; each system leads
 * in turn, so none is always measured first (or last) in a round. Per round, in `systems` order.
 */
async function alternate<T>(systems: readonly SystemName[], rounds: number, measure: (name: SystemName) => Promise<T>): Promise<T[][]> {
  const out: T[][] = [];
  for (let round = 0; round < rounds; round++) {
    const results: T[] = new Array<T>(systems.length);
    for (let k = 0; k < systems.length; k++) {
      const i = (round + k) % systems.length;
      results[i] = await measure(systems[i]!);
    }
    out.push(results);
  }
  return out;
}

/** The point's systems measured `plan.pairedRounds` times, 100 B messages, one per turn. */
export async function measurePaired(point: PairedPoint, plan: ServerPlan, log: (line: string) => void): Promise<PairedResult> {
  const { subscribers, systems } = point;
  const one: ServerPlan = { ...plan, subscriberCounts: [subscribers], sizes: [100], together: 1, repeats: 1 };
  const rounds = await alternate(systems, plan.pairedRounds, async (name) => {
    const s = system(name);
    const [result] = await withServer(s, (server) => measureThroughput(server, s, one));
    if (result?.error) log(`  ${name} at ${subscribers}: ${result.error}`);
    return result?.deliveriesPerSec ?? Number.NaN;
  });
  return { subscribers, systems, rounds };
}

/** The paced latency check (100 B, `plan.latencyRate`) on `systems`, `plan.pairedRounds` times. */
export async function measurePairedLatency(systems: readonly SystemName[], plan: ServerPlan, log: (line: string) => void): Promise<PairedLatencyResult> {
  const rounds = await alternate(systems, plan.pairedRounds, async (name) => {
    const s = system(name);
    const result = await withServer(s, (server) => measureLatency(server, s, plan, 100, false));
    if (result.error) log(`  ${name} latency: ${result.error}`);
    return { p50: result.p50, p99: result.p99 };
  });
  return { systems, rounds };
}
