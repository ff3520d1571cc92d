/**
 * One message per turn, measured in alternating rounds. The throughput tables measure each system
 * in a window of its own, a minute or more apart; on a shared machine the load of other work
 * drifts between windows by more than the margins the targets judge (the raw SSE loop ran at 8 to
 * 17 µs per delivery in one day's runs). Here each round measures every system of a point in
 * turn, a fresh server process each, seconds apart, starting with a different one each round, and
 * a ratio is taken within each round: the targets read the median of those ratios.
 */
import { measureThroughput, withServer } from './measure.js';
import type { PairedPoint, ServerPlan } from './plan.js';
import { system } from './systems.js';

export interface PairedResult extends PairedPoint {
  /** Per round, each system's deliveries/s in `systems` order (NaN where its run failed). */
  readonly rounds: readonly (readonly number[])[];
}

/** The point's systems measured `plan.pairedRounds` times, 100 B messages, one per turn. */
export async function measurePaired(point: PairedPoint, plan: ServerPlan, log: (line: string) => void): Promise<PairedResult> {
  const { subscribers, systems } = point;
  const one: ServerPlan = { ...plan, subscriberCounts: [subscribers], sizes: [100], together: 1, repeats: 1 };
  const rounds: number[][] = [];
  for (let round = 0; round < plan.pairedRounds; round++) {
    const rates = systems.map(() => Number.NaN);
    // Each system leads in turn, so none is always measured first (or last) in a round.
    for (let k = 0; k < systems.length; k++) {
      const i = (round + k) % systems.length;
      const s = system(systems[i]!);
      const [result] = await withServer(s, (server) => measureThroughput(server, s, one));
      if (result?.error) log(`  ${s.name} at ${subscribers}, round ${round + 1}: ${result.error}`);
      rates[i] = result?.deliveriesPerSec ?? Number.NaN;
    }
    rounds.push(rates);
  }
  return { subscribers, systems, rounds };
}
