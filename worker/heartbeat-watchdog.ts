/**
 * Declares an upstream dead when nothing arrived for a while. A mobile network that drops a
 * connection silently (NAT rebinding, a radio hand-over) sends no FIN or RST: without this, the
 * hub would wait forever on a stream that will never deliver again.
 *
 * The window is 2 × the server's heartbeat + a margin: one lost heartbeat is tolerated (a slow
 * network), two are not. The tabmux server comments `:` on every SSE stream every 25 s by default
 * (the server's `--heartbeat`, README Server options, kept under the usual 60 s proxy idle timeout), so the default window
 * is 2 × 25 + 5 = 55 s.
 */
import type { Clock, TimerId } from './platform.js';

export const DEFAULT_SERVER_HEARTBEAT_S = 25;
const MARGIN_MS = 5000;

/** The silence after which a connection counts as dead. */
export function heartbeatWindowMs(serverHeartbeatS = DEFAULT_SERVER_HEARTBEAT_S): number {
  return 2 * serverHeartbeatS * 1000 + MARGIN_MS;
}

export class HeartbeatWatchdog {
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #onSilence: () => void;
  #timer: TimerId | undefined;
  #lastActivity = 0;

  constructor(clock: Clock, windowMs: number, onSilence: () => void) {
    this.#clock = clock;
    this.#windowMs = windowMs;
    this.#onSilence = onSilence;
  }

  /** Starts (or restarts) watching a new connection. */
  start(): void {
    this.#lastActivity = this.#clock.now();
    this.#arm(this.#windowMs);
  }

  /**
   * Bytes arrived (an event, a comment, a poll answer). Cheap: it only stamps the time; the one
   * timer re-arms itself for the rest of the window when it fires (no clearTimeout per chunk).
   */
  kick(): void {
    this.#lastActivity = this.#clock.now();
  }

  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.stop();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      const silentFor = this.#clock.now() - this.#lastActivity;
      if (silentFor >= this.#windowMs) return this.#onSilence();
      this.#arm(this.#windowMs - silentFor);
    }, ms);
  }
}
