/**
 * The battery run: a simulated hour of 5 tabs, compressed in time. A message is published every
 * simulated minute; the server's heartbeat is its default 25 simulated seconds.
 */
export interface BatteryPlan {
  readonly tabs: number;
  readonly simulatedSeconds: number;
  /** Simulated seconds per real second. */
  readonly compression: number;
  readonly messageEverySimulatedSeconds: number;
  /**
   * Polling cannot keep its schedule at a high compression (each request's own overhead is not
   * compressed), so the two polling rows run a shorter window at a lower compression and are
   * scaled to the hour (polling is periodic: the scaling is linear). RESULTS.md says so.
   */
  readonly pollWindow: { readonly simulatedSeconds: number; readonly compression: number };
  readonly timeoutMs: number;
}

export const FULL_BATTERY_PLAN: BatteryPlan = { tabs: 5, simulatedSeconds: 3600, compression: 240, messageEverySimulatedSeconds: 60, pollWindow: { simulatedSeconds: 300, compression: 30 }, timeoutMs: 30_000 };
export const QUICK_BATTERY_PLAN: BatteryPlan = { tabs: 5, simulatedSeconds: 3600, compression: 3600, messageEverySimulatedSeconds: 60, pollWindow: { simulatedSeconds: 120, compression: 120 }, timeoutMs: 20_000 };
