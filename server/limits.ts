/**
 * Per-client limits that protect the node from one noisy or hostile client: open connections per
 * IP, a token bucket of new streams per IP, and one of publishes per token (its `sub`) or per IP.
 *
 * Why two connection limits (README, Limits and budgets): thousands of real browsers share one
 * address behind an office or carrier NAT, each holding ONE connection (that is tabmux's point),
 * so a low cap on open connections refuses real users. A flood from one address is a RATE: new
 * streams per second are limited by a bucket, and the cap on open ones stays high, a backstop. Every refusal is counted
 * by limit name for `tabmux_limit_refusals_total{limit}`.
 *
 * The IP is the socket's peer address, or with `trustProxy` the client address the trusted
 * proxies recorded in X-Forwarded-For (client-address.ts). Behind a proxy without `trustProxy`,
 * every client shares the proxy's address.
 */
import { PushError } from './errors.js';
import { limitKey } from './client-address.js';

export type LimitName =
  | 'connections_per_ip'
  | 'publish_rate'
  | 'message_size'
  | 'channels_per_stream'
  | 'header_size'
  | 'url_size'
  | 'ws_payload'
  | 'auth_timeout'
  | 'request_timeout'
  | 'ws_control_rate'
  | 'connection_rate';
export const LIMIT_NAMES: readonly LimitName[] = [
  'connections_per_ip',
  'publish_rate',
  'message_size',
  'channels_per_stream',
  'header_size',
  'url_size',
  'ws_payload',
  'auth_timeout',
  'request_timeout',
  'ws_control_rate',
  'connection_rate',
];

export type RefusalCounts = Record<LimitName, number>;

export function createRefusalCounts(): RefusalCounts {
  return Object.fromEntries(LIMIT_NAMES.map((name) => [name, 0])) as RefusalCounts;
}

/** Counts open streaming connections per peer address; `acquire` refuses past the bound. */
export class ConnectionsPerIp {
  private readonly open = new Map<string, number>();
  constructor(
    private readonly max: number,
    private readonly refusals: RefusalCounts,
  ) {}

  /** A release function (call once, when the connection ends); throws 429 past the bound. */
  acquire(ip: string | undefined): () => void {
    const key = limitKey(ip);
    const count = this.open.get(key) ?? 0;
    if (count >= this.max) {
      this.refusals.connections_per_ip++;
      throw new PushError('TABMUX_ERR_RATE_LIMITED', `too many open connections from your address (limit ${this.max})`, { 'Retry-After': '5' });
    }
    this.open.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left <= 0) this.open.delete(key);
      else this.open.set(key, left);
    };
  }
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before full (idle) ones are swept; bounds memory under an address flood. */
const SWEEP_AT = 10_000;

/**
 * A token bucket per key: `burst` at once, refilled at `perSecond`. A refusal is counted under
 * `limit` and carries `Retry-After` (RFC 9110 §10.2.3, whole seconds, at least 1) for when one
 * token is back; `doing` names what was too fast ("publishing").
 */
export class RateLimit {
  private readonly buckets = new Map<string, Bucket>();
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly refusals: RefusalCounts,
    private readonly limit: LimitName,
    private readonly doing: string,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): void {
    const now = this.now();
    if (this.buckets.size >= SWEEP_AT) this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    this.refusals[this.limit]++;
    const seconds = Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
    throw new PushError('TABMUX_ERR_RATE_LIMITED', `${this.doing} too fast (limit ${this.perSecond}/s, burst ${this.burst}); retry in ${seconds} s`, {
      'Retry-After': String(seconds),
    });
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    }
  }
}
