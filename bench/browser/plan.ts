/** Sizes of the browser runs (quick: every figure, smaller counts). */
export interface BrowserPlan {
  readonly tabCounts: readonly number[];
  /** Messages per throughput burst (every tab gets each). */
  readonly burstMessages: number;
  readonly latencyMessages: number;
  readonly latencyRate: number;
  readonly dataPlaneEvents: number;
  readonly timeoutMs: number;
}

export const FULL_BROWSER_PLAN: BrowserPlan = {
  tabCounts: [1, 4, 8, 16],
  burstMessages: 1000,
  latencyMessages: 200,
  latencyRate: 100,
  dataPlaneEvents: 20_000,
  timeoutMs: 60_000,
};

export const QUICK_BROWSER_PLAN: BrowserPlan = {
  // 8 is where the throughput target is set; 1 is the no-sharing reference.
  tabCounts: [1, 8],
  burstMessages: 100,
  latencyMessages: 20,
  latencyRate: 100,
  dataPlaneEvents: 2000,
  timeoutMs: 30_000,
};

/** Chromium's connections per host on HTTP/1.1: tabs past this many stall with one EventSource each. */
export const HTTP1_CONNECTIONS_PER_HOST = 6;
