/**
 * Reconnect delays: exponential backoff with "full jitter" (delay = random(0, min(cap, base·2^n))),
 * which spreads the reconnects of many browsers after a server restart instead of bunching them
 * (AWS Architecture Blog, "Exponential Backoff And Jitter").
 *
 * The server may ask for more: SSE's `retry:` field sets the reconnection time
 * (WHATWG HTML §9.2.6) and HTTP `Retry-After` (RFC 9110 §10.2.3) comes with 429/503. Both are
 * floors: the jittered delay is never shorter than what the server asked for.
 */
export interface BackoffOptions {
  /** First ceiling. 1 s: a restarting server is usually back within a second or two. */
  readonly baseMs?: number;
  /** Largest ceiling. 30 s keeps a tab that was offline for long from waiting minutes. */
  readonly capMs?: number;
  readonly random: () => number;
}

export interface Backoff {
  /** The delay before the next attempt; `floorMs` is a server's `Retry-After`, if any. */
  next(floorMs?: number): number;
  /** The server's `retry:` value (applies to every later attempt). */
  setServerRetry(ms: number): void;
  /** After a connection that opened: the next failure starts from the base again. */
  reset(): void;
  readonly attempts: number;
}

export function createBackoff({ baseMs = 1000, capMs = 30_000, random }: BackoffOptions): Backoff {
  let attempts = 0;
  let serverRetryMs = 0;
  return {
    next(floorMs = 0) {
      const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempts, 30));
      attempts++;
      return Math.max(Math.floor(random() * ceiling), serverRetryMs, floorMs);
    },
    setServerRetry(ms) {
      if (Number.isFinite(ms) && ms >= 0) serverRetryMs = Math.min(ms, 10 * capMs);
    },
    reset() {
      attempts = 0;
    },
    get attempts() {
      return attempts;
    },
  };
}

/** `Retry-After` is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
