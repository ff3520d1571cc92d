/**
 * A server under test. Each target runs alone in its own process (bench/server/server-process.ts)
 * and fans one channel out to every connected subscriber.
 */
export type TargetName = 'raw-sse' | 'raw-ws' | 'tabmux' | 'socket.io' | 'better-sse';

export interface Target {
  readonly port: number;
  /** Sends one message to every subscriber. `value` and its JSON text `json` are the same message. */
  publish(value: unknown, json: string): unknown;
  /** tabmux only: the resume token of the newest message, for catch-up runs. */
  lastId?(): string | undefined;
  close(): Promise<void>;
}

/** The one channel every subscriber of every target listens to. */
export const BENCH_CHANNEL = 'bench';
