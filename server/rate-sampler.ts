/**
 * Rates for the status page, from the counters metrics.ts already keeps: once a second the
 * cumulative values are sampled, and a rate over a window is (now − the sample at the window's
 * start) ÷ the time between them — Prometheus' `rate()` done in-process, so it costs one array
 * push per second instead of work per message. Before a full window has passed, the rate is over
 * the time since the first sample (the server's start), never an extrapolation.
 *
 * Per channel a message count is kept in one-second buckets (ChannelRate), since sampling every
 * channel every second would cost memory per channel per sample.
 */

export type Counters = Readonly<Record<string, number>>;

interface Sample {
  readonly at: number;
  readonly values: Counters;
}

/** One sample a second. */
export const SAMPLE_EVERY_MS = 1000;

export class RateSampler {
  private readonly samples: Sample[] = [];

  constructor(
    private readonly read: () => Counters,
    /** The longest window asked for, in seconds; older samples are dropped. */
    private readonly keepSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.sample();
  }

  /** Takes one sample (call every SAMPLE_EVERY_MS). */
  sample(): void {
    const at = this.now();
    this.samples.push({ at, values: { ...this.read() } });
    // Keep one sample at or before the longest window's start, so that window stays whole.
    while (this.samples.length > 2 && this.samples[1]!.at <= at - this.keepSeconds * 1000) this.samples.shift();
  }

  /** Per-second rate of every counter over the last `seconds` (0 before any time has passed). */
  rates(seconds: number): Record<string, number> {
    const now = this.now();
    const current = this.read();
    const start = now - seconds * 1000;
    // The newest sample at or before the window's start; else the oldest there is.
    let base = this.samples[0]!;
    for (const sample of this.samples) {
      if (sample.at > start) break;
      base = sample;
    }
    const elapsed = (now - base.at) / 1000;
    const out: Record<string, number> = {};
    for (const [name, value] of Object.entries(current)) {
      out[name] = elapsed > 0 ? Math.max(0, value - (base.values[name] ?? 0)) / elapsed : 0;
    }
    return out;
  }
}

/** Length of a ChannelRate's window. */
export const CHANNEL_WINDOW_SECONDS = 10;

/**
 * Messages of one channel in the last CHANNEL_WINDOW_SECONDS, in one-second buckets rotated
 * lazily (on count and on read): no timer, ten numbers per channel.
 */
export class ChannelRate {
  private readonly buckets = new Array<number>(CHANNEL_WINDOW_SECONDS).fill(0);
  private second: number;

  constructor(private readonly now: () => number = Date.now) {
    this.second = Math.floor(now() / 1000);
  }

  count(): void {
    this.rotate();
    this.buckets[this.second % CHANNEL_WINDOW_SECONDS]!++;
  }

  /** Messages per second over the window (the current, partial second included). */
  perSecond(): number {
    this.rotate();
    return this.buckets.reduce((sum, n) => sum + n, 0) / CHANNEL_WINDOW_SECONDS;
  }

  private rotate(): void {
    const second = Math.floor(this.now() / 1000);
    // Empty every bucket whose second has passed since the last call (all of them after a long idle).
    for (let s = this.second + 1; s <= second && s <= this.second + CHANNEL_WINDOW_SECONDS; s++) this.buckets[s % CHANNEL_WINDOW_SECONDS] = 0;
    if (second > this.second) this.second = second;
  }
}
