/**
 * Messages between the load generator and a server process (Node IPC, JSON). Every request
 * carries a `ref` echoed in its answer.
 */
import type { TargetName } from './targets/types.js';

export type Command =
  /** Answers the server's wallMs(), for the clock offset. */
  | { readonly type: 'clock'; readonly ref: number }
  /**
   * Publishes `count` messages back to back, `together` per event-loop iteration (1 unless
   * given): from one callback, or with `apart` each from its own callback of that iteration.
   */
  | { readonly type: 'burst'; readonly ref: number; readonly count: number; readonly size: number; readonly together?: number; readonly apart?: boolean }
  /** Publishes `count` messages at `rate` per second; each carries its SCHEDULED send time. */
  | { readonly type: 'rate'; readonly ref: number; readonly count: number; readonly size: number; readonly rate: number }
  /** CPU time used so far and memory (after a full GC when `gc`). */
  | { readonly type: 'stats'; readonly ref: number; readonly gc: boolean }
  | { readonly type: 'close'; readonly ref: number };

export interface Stats {
  readonly cpuMicros: number;
  readonly heapUsed: number;
  /** Memory of C++ objects bound to JS ones (socket buffers, Buffers): per-connection memory the heap does not show. */
  readonly external: number;
  readonly rss: number;
}

export type Reply =
  | { readonly type: 'ready'; readonly target: TargetName; readonly port: number; readonly pid: number }
  | { readonly type: 'clock'; readonly ref: number; readonly now: number }
  | { readonly type: 'done'; readonly ref: number; readonly lastId: string | undefined; readonly lateMs: number }
  | { readonly type: 'stats'; readonly ref: number; readonly stats: Stats }
  | { readonly type: 'error'; readonly ref: number; readonly message: string };
