/**
 * Whether the browser is online, as the hub's runtime sees it (`online`/`offline` events of the
 * worker's global) or as a tab reports it (a page's `navigator.onLine` is the browser's, and some
 * runtimes fire no events). While offline the hub makes no reconnect attempt; back online, it
 * tries at once instead of waiting out the backoff.
 */
import type { Platform } from './platform.js';

export class OnlineWatch {
  #offline: boolean;
  readonly #stops: Array<(() => void) | undefined>;

  constructor(
    platform: Pick<Platform, 'onOnline' | 'onOffline' | 'isOnline'>,
    private readonly backOnline: () => void,
  ) {
    this.#offline = platform.isOnline?.() === false;
    this.#stops = [platform.onOnline?.(() => this.#set(true)), platform.onOffline?.(() => this.#set(false))];
  }

  get offline(): boolean {
    return this.#offline;
  }

  /** A tab's view: only a change counts (every tab reports with each page-state change). */
  report(online: boolean): void {
    if (online === this.#offline) this.#set(online);
  }

  /** The runtime's own event: `online` tries at once, even if the hub had not seen it go offline. */
  #set(online: boolean): void {
    this.#offline = !online;
    if (online) this.backOnline();
  }

  close(): void {
    for (const stop of this.#stops) stop?.();
  }
}
