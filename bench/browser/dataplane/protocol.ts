/** What the data-plane page asks of its SharedWorker (over Comlink, the control plane). */
export type DataPlaneMode = 'port-batches' | 'comlink-per-event';

export interface DataPlaneRun {
  readonly mode: DataPlaneMode;
  readonly events: number;
  /** Events per upstream chunk: one batch on the port, or this many proxy calls. */
  readonly chunk: number;
  /** ms between chunks; 0 sends every chunk at once (throughput). */
  readonly everyMs: number;
}

/** One event as the hub would fan it out: its send time stamped by the worker. */
export interface DataPlaneEvent {
  readonly t: number;
  readonly n: number;
  readonly data: string;
}

export interface DataPlaneWorkerApi {
  /** Emits `run.events` events through `deliver` (comlink) or `port` (batches). */
  start(run: DataPlaneRun, port: MessagePort, deliver: (event: DataPlaneEvent) => void): Promise<void>;
}

export interface DataPlaneResult {
  readonly eventsPerSec: number;
  /** Per-event latency, worker stamp → tab handler (ms). */
  readonly latency: readonly number[];
}
