/**
 * Token refresh for the hub: the `token` function lives in the tabs (the hub cannot run page
 * code), so the hub asks ONE tab at a time — single flight across every tab — before the token
 * expires and when the server answers 401, falling back to the next tab when one is gone or does
 * not answer. A token that cannot be refreshed is reported (the hub tells the tabs, code
 * TABMUX_ERR_UNAUTHORIZED); retries are paced by the hub's backoff, never by a loop here.
 */
import type { Clock, TimerId } from './platform.js';

/** A tab's `token` function, called through its port (a Comlink proxy). */
export type TokenProvider = () => Promise<string | undefined>;

export interface TokenRefreshOptions {
  readonly clock: Clock;
  /** A fresh token: the hub uses it for the next connect and publish. */
  readonly onToken: (token: string) => void;
  /** No tab could give a usable token. */
  readonly onFailure: (message: string) => void;
  /** A tab that has not answered by then is skipped (closed, frozen, its function hangs). */
  readonly callTimeoutMs?: number;
  /** Refresh this long before `exp` (or at 80 % of the lifetime when that is sooner). */
  readonly leadMs?: number;
}

/** The `exp` of a JWT in ms, read without verifying (the server verifies; we only schedule). */
export function expiryOf(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Below this, a scheduled refresh is left to the server's answer (see `use`). */
export const MIN_DELAY_MS = 1000;

export class TokenRefresh {
  readonly #o: Required<TokenRefreshOptions>;
  readonly #providers = new Map<string, TokenProvider>();
  #pending: Promise<string | undefined> | undefined;
  #timer: TimerId | undefined;

  constructor(options: TokenRefreshOptions) {
    this.#o = { callTimeoutMs: 10_000, leadMs: 30_000, ...options };
  }

  /** True while a tab is being asked. */
  get refreshing(): boolean {
    return this.#pending !== undefined;
  }

  get hasProviders(): boolean {
    return this.#providers.size > 0;
  }

  addProvider(tabId: string, provider: TokenProvider): void {
    this.#providers.set(tabId, provider);
  }

  removeProvider(tabId: string): void {
    this.#providers.delete(tabId);
  }

  /**
   * The token in use now: schedules the next refresh `leadMs` before its `exp` (or at 80 % of
   * its life, if sooner). Judged on this device's clock, which may be off: a refresh that would
   * be due within MIN_DELAY_MS is not scheduled at all — the server's 401 or close asks then —
   * so a skewed clock can never make a loop of token calls.
   */
  use(token: string): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const exp = expiryOf(token);
    if (exp === undefined || this.#providers.size === 0) return;
    const now = this.#o.clock.now();
    const delay = exp - now - Math.min(this.#o.leadMs, (exp - now) * 0.2);
    if (delay < MIN_DELAY_MS) return;
    this.#timer = this.#o.clock.setTimeout(() => void this.refresh(), delay);
  }

  /**
   * A fresh token from one tab; concurrent callers share the same call (single flight). Resolves
   * undefined (after onFailure) when no tab gives a new, unexpired token.
   */
  refresh(): Promise<string | undefined> {
    this.#pending ??= this.#ask();
    return this.#pending;
  }

  async #ask(): Promise<string | undefined> {
    for (const [tabId, provider] of [...this.#providers]) {
      let token: string | undefined;
      try {
        token = await this.#withTimeout(provider());
      } catch {
        this.#providers.delete(tabId); // gone or broken: ask the next tab
        continue;
      }
      if (typeof token !== 'string' || token === '') break;
      // Whether it is still valid is the server's call (this clock may be off): hand it over.
      this.#pending = undefined; // settled before the callbacks, so they may ask again
      this.use(token);
      this.#o.onToken(token);
      return token;
    }
    this.#pending = undefined;
    this.#o.onFailure(this.#providers.size === 0 ? 'no tab could be asked for a token' : 'the token function gave no token');
    return undefined;
  }

  #withTimeout<T>(promise: Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = this.#o.clock.setTimeout(() => reject(new Error('the tab did not answer')), this.#o.callTimeoutMs);
      promise.then(
        (value) => {
          this.#o.clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          this.#o.clock.clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  close(): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#providers.clear();
  }
}
