/**
 * Percentiles and small summaries. Nearest-rank percentiles (no interpolation): p99 of 100
 * samples is the 99th smallest, a value that was really observed.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? Number.NaN : sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Summary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function summarize(samples: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(samples).sort();
  return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN };
}

/** A growable Float64 sample buffer with a hard cap, so a long run cannot exhaust memory. */
export class Samples {
  private data: Float64Array;
  length = 0;
  constructor(private readonly cap = 2_000_000) {
    this.data = new Float64Array(Math.min(cap, 4096));
  }
  push(value: number): void {
    if (this.length >= this.cap) return;
    if (this.length === this.data.length) {
      const next = new Float64Array(Math.min(this.cap, this.data.length * 2));
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
  clear(): void {
    this.length = 0;
  }
}
