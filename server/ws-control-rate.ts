/**
 * A per-socket limit on WebSocket control frames (`subscribe`, `unsubscribe`; README, Limits and
 * budgets). Each frame costs the node a broker round trip (on Redis a SUBSCRIBE or UNSUBSCRIBE and
 * a replay script), so one socket looping subscribe/unsubscribe would load the shared store for
 * every node. A token bucket: a page that subscribes its channels at once (up to
 * maxChannelsPerStream) fits in the burst; past it a frame is answered with an `op:error`
 * TABMUX_ERR_RATE_LIMITED, and a socket that keeps going after CLOSE_AFTER_REFUSALS of those is
 * closed with CLOSE_RATE_LIMITED.
 */

/** Control frames per second, sustained: far above any page's churn of channels. */
export const CONTROL_FRAMES_PER_SECOND = 20;
/** At once: a page subscribing 100 channels and unsubscribing them again. */
export const CONTROL_FRAMES_BURST = 200;
/** Refused frames before the socket is closed: a client that reads its errors has stopped long before. */
export const CLOSE_AFTER_REFUSALS = 50;

export type ControlVerdict = 'ok' | 'refuse' | 'close';

export class ControlFrameRate {
  private tokens = CONTROL_FRAMES_BURST;
  private at: number;
  private refused = 0;

  constructor(private readonly now: () => number = Date.now) {
    this.at = now();
  }

  take(): ControlVerdict {
    const now = this.now();
    this.tokens = Math.min(CONTROL_FRAMES_BURST, this.tokens + ((now - this.at) / 1000) * CONTROL_FRAMES_PER_SECOND);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'ok';
    }
    return ++this.refused >= CLOSE_AFTER_REFUSALS ? 'close' : 'refuse';
  }
}
