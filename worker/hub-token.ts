/**
 * The hub's side of authentication: the token upstreams and publishes use, the tabs' token
 * functions (asked one tab at a time: token-refresh.ts), and the 401 bookkeeping that decides
 * when a token ends a wait — a connect waiting for the first token, or a backoff after a refusal.
 * The hub owns the connects; this only says when one may go ahead.
 */
import type { TokenProvider } from '../src/hub-protocol/hub-api.js';
import type { Clock } from './platform.js';
import { TokenRefresh } from './token-refresh.js';
import type { UpstreamFailure } from './transports/types.js';

export interface HubTokenOptions {
  readonly clock: Clock;
  readonly onToken: (token: string) => void;
  readonly onFailure: (message: string) => void;
}

export class HubToken {
  #value: string | undefined;
  /** The last failure was a 401 with this token: a DIFFERENT token reconnects at once. */
  #refused: string | undefined | null = null;
  /** Asks one tab's token function at a time (token-refresh.ts). */
  readonly #tokens: TokenRefresh;
  /** A connect waits for the first token a tab is being asked for (no 401 round trip first). */
  #awaiting = false;
  #firstAsk = false;

  constructor(options: HubTokenOptions) {
    this.#tokens = new TokenRefresh(options);
  }

  get value(): string | undefined {
    return this.#value;
  }

  addTab(tabId: string, token: string | undefined, tokenProvider: TokenProvider | undefined): void {
    if (tokenProvider) this.#tokens.addProvider(tabId, tokenProvider);
    if (token !== undefined && this.#value === undefined) {
      this.#value = token;
      this.#tokens.use(token);
    }
    // The first tab with a token function is asked once; later tabs do not ask again (a failed
    // ask is retried by the 401 path, paced by the backoff).
    if (tokenProvider && this.#value === undefined && !this.#firstAsk) {
      this.#firstAsk = true;
      void this.#tokens.refresh();
    }
  }

  removeTab(tabId: string): void {
    this.#tokens.removeProvider(tabId);
  }

  /** Takes a tab's token; true when it is a new one (a WebSocket upstream then takes it in place). */
  take(token: string): boolean {
    const fresh = token !== this.#value;
    this.#value = token;
    if (fresh) this.#tokens.use(token); // schedules the refresh before this one expires
    return fresh;
  }

  /**
   * After `take`: true when this token ends a wait and the hub should connect now. The same token
   * again (a tab's cache) waits out the backoff: no tight 401 loop.
   */
  unblocks(token: string, inBackoff: boolean): boolean {
    if (this.#awaiting) {
      this.#awaiting = false;
      return true;
    }
    if (this.#refused === null || token === this.#refused || !inBackoff) return false;
    this.#refused = null;
    return true;
  }

  /** A connect about to start: true (and the connect waits for the token) while the first is asked for. */
  mustWait(): boolean {
    if (this.#value !== undefined || !this.#tokens.refreshing) return false;
    this.#awaiting = true;
    return true;
  }

  /** No tab gave a token: true when a connect was waiting (it goes ahead; the server decides). */
  giveUp(): boolean {
    if (!this.#awaiting) return false;
    this.#awaiting = false;
    return true;
  }

  /**
   * An upstream ended: true when the token is suspect (RFC 6750 §3.1 invalid_token, or a WebSocket
   * refused before it opened, which hides its status), remembering which token was refused.
   */
  suspect(failure: UpstreamFailure): boolean {
    const suspect = failure.status === 401 || (failure.neverOpened === true && this.#value !== undefined);
    this.#refused = suspect ? this.#value : null;
    return suspect;
  }

  /** Asks the tabs' token functions; false when no tab has one (the tabs are told instead). */
  renew(): boolean {
    if (!this.#tokens.hasProviders) return false;
    void this.#tokens.refresh();
    return true;
  }

  close(): void {
    this.#tokens.close();
  }
}
