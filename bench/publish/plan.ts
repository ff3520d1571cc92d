/** Sizes of the publish-rate section (bench/publish/run-publish.ts). */
export interface PublishPlan {
  /** Rounds of (minimal, single, batch), back to back: each round's ratios compare runs a few seconds apart. */
  readonly rounds: number;
  /** Seconds of load per endpoint per round (after one warm-up run of each). */
  readonly seconds: number;
  /** Keep-alive connections of the load generator, each with one request in flight. */
  readonly connections: number;
  /** Messages in one batch request. */
  readonly batch: number;
}

export const FULL_PUBLISH_PLAN: PublishPlan = { rounds: 5, seconds: 3, connections: 32, batch: 10 };
export const QUICK_PUBLISH_PLAN: PublishPlan = { rounds: 2, seconds: 1, connections: 32, batch: 10 };
