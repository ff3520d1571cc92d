/**
 * The hub's hold on its upstream gate (platform.ts `UpstreamGate`): two hubs of one name (a
 * deploy's old and new) never hold two upstreams. Asked once per wait; given back whenever the hub
 * has no upstream, nor will soon (idle, paused, closed).
 */
import type { UpstreamGate } from './platform.js';

export class GateHold {
  readonly #gate: UpstreamGate | undefined;
  /** Undefined = not asked; a function = asked or held (calling it gives the right back). */
  #release: (() => void) | undefined;
  #held = false;

  constructor(gate: UpstreamGate | undefined) {
    this.#gate = gate;
  }

  /** True when the hub may open its upstream now; else asks (once) and `granted` runs when it may. */
  mayOpen(granted: () => void): boolean {
    if (!this.#gate || this.#held) return true;
    this.#release ??= this.#gate.acquire(() => {
      this.#held = true;
      granted();
    });
    return false;
  }

  release(): void {
    this.#release?.();
    this.#release = undefined;
    this.#held = false;
  }
}
