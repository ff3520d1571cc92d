/** Ratios and differences of the alternating rounds (server/paired.ts), as the targets and tables read them. */
import { median } from '../lib/stats.js';
import type { PairedLatencyResult, PairedResult } from '../server/paired.js';
import type { SystemName } from '../server/systems.js';

/** `a` ÷ `b` deliveries/s at `subscribers`: the median over rounds and each round's, or undefined where not paired. */
export function pairedRatio(paired: readonly PairedResult[] | undefined, a: SystemName, b: SystemName, subscribers: number): { median: number; rounds: number[] } | undefined {
  for (const p of paired ?? []) {
    const i = p.systems.indexOf(a);
    const j = p.systems.indexOf(b);
    if (p.subscribers !== subscribers || i < 0 || j < 0) continue;
    const rounds = p.rounds.map((rates) => rates[i]! / rates[j]!);
    // A failed run is no figure: the median of what is left, NaN when nothing is.
    return { median: median(rounds.filter(Number.isFinite)), rounds };
  }
  return undefined;
}

/** `a`'s paced p50 minus `b`'s (ms): the median over rounds and each round's, or undefined where not paired. */
export function pairedLatencyDifference(paired: readonly PairedLatencyResult[] | undefined, a: SystemName, b: SystemName): { median: number; rounds: number[] } | undefined {
  for (const p of paired ?? []) {
    const i = p.systems.indexOf(a);
    const j = p.systems.indexOf(b);
    if (i < 0 || j < 0) continue;
    const rounds = p.rounds.map((round) => round[i]!.p50 - round[j]!.p50);
    return { median: median(rounds.filter(Number.isFinite)), rounds };
  }
  return undefined;
}
