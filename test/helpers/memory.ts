/**
 * Measuring a node's memory in a test, in bytes and never in time: a full collection first (with
 * `--expose-gc`, or V8's flag set at run time), so what is measured is what is retained.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const gc = collector();

export interface MemorySample {
  readonly heapUsed: number;
  readonly rss: number;
  /** Buffers and other memory V8 does not hold (e.g. socket buffers). */
  readonly external: number;
}

/** Retained memory now, after a full collection. */
export async function retainedMemory(): Promise<MemorySample> {
  // Two collections with a turn of the event loop between: finalizers and weak callbacks run in between.
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  const { heapUsed, rss, external } = process.memoryUsage();
  return { heapUsed, rss, external };
}

export const MiB = 1024 * 1024;
