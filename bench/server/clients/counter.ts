/**
 * Counts deliveries in a byte stream by the one marker every benchmark message carries,
 * `{"t":`, whatever the framing (SSE event, WebSocket frame, socket.io packet), including a marker
 * split across two reads; and samples latency from the scheduled time after it.
 */
import { countOf, scanTimes } from '../../lib/payload.js';
import { wallMs } from '../../lib/clock.js';
import type { Samples } from '../../lib/stats.js';

const MARKER = Buffer.from('{"t":');

export interface Tally {
  delivered: number;
  /** Where latency samples go while set (ms, scheduled send → read by the client). */
  samples: Samples | undefined;
  /** Server clock minus ours, ms. */
  offsetMs: number;
  /** Called once when `delivered` reaches `goal`. */
  goal: number;
  onGoal: (() => void) | undefined;
}

/** Resolves with wallMs() when `tally.delivered` reaches `goal`; rejects after `timeoutMs`. */
export function reach(tally: Tally, goal: number, timeoutMs: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      tally.onGoal = undefined;
      reject(new Error(`timed out after ${timeoutMs} ms: ${what} (${tally.delivered} of ${goal} delivered)`));
    }, timeoutMs);
    tally.goal = goal;
    tally.onGoal = () => {
      clearTimeout(timer);
      resolve(wallMs());
    };
    if (tally.delivered >= goal) tally.onGoal();
  });
}

export function createTally(offsetMs: number): Tally {
  return { delivered: 0, samples: undefined, offsetMs, goal: Number.POSITIVE_INFINITY, onGoal: undefined };
}

/** One connection's counter: call with every chunk it reads. */
export function chunkCounter(tally: Tally): (chunk: Buffer) => number {
  let tail = Buffer.alloc(0);
  return (chunk) => {
    const across = tail.length > 0 ? countOf(Buffer.concat([tail, chunk.subarray(0, MARKER.length - 1)]), MARKER) : 0;
    const n = countOf(chunk, MARKER) + across;
    tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - (MARKER.length - 1))));
    tally.delivered += n;
    if (tally.delivered >= tally.goal && tally.onGoal) {
      const done = tally.onGoal;
      tally.onGoal = undefined;
      done();
    }
    const samples = tally.samples;
    if (samples && n > 0) {
      const now = wallMs() + tally.offsetMs;
      scanTimes(chunk, (t) => samples.push(now - t));
    }
    return n;
  };
}
