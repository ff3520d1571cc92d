/**
 * Aggregate visibility across the tabs of one hub. The upstream stays open while ANY tab is
 * visible (or asks to be kept alive); once every tab has been hidden or frozen for the grace
 * period, `onPause` fires; the first tab to come back fires `onResume` at once.
 *
 * Why a grace period: a user flicking between tabs or apps for a few seconds should not pay a
 * reconnect (a TLS handshake and a replay) every time; a tab left in the background for a minute
 * should stop waking the radio with heartbeats.
 *
 * Rules:
 *  - a tab that has not reported yet counts as visible (a fresh tab is usually in front);
 *  - `pauseAfterMs: false` from ANY tab means never pause (that tab opted out);
 *  - otherwise the grace is the LONGEST asked for by the tabs (the most patient tab decides), and
 *    `saveData` from any tab multiplies it by `SAVE_DATA_FACTOR` (fewer pause/resume cycles, each
 *    of which costs a new connection's handshake and headers).
 */
import type { TabLifecycle } from '../src/hub-protocol/lifecycle.js';
import type { Clock, TimerId } from './platform.js';

export const SAVE_DATA_FACTOR = 2;

export interface VisibilityOptions {
  readonly clock: Clock;
  /** Every tab is hidden and the grace has passed: close the upstream. */
  readonly onPause: () => void;
  /** A tab is visible again (or a tab that opted out arrived) after `onPause`. */
  readonly onResume: () => void;
}

export class Visibility {
  readonly #o: VisibilityOptions;
  readonly #tabs = new Map<string, TabLifecycle | undefined>();
  #timer: TimerId | undefined;
  #paused = false;
  #asleepSince: number | undefined;

  constructor(options: VisibilityOptions) {
    this.#o = options;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Any tab reports `saveData` (the hub lengthens its backoff too). */
  get saveData(): boolean {
    for (const tab of this.#tabs.values()) if (tab?.saveData) return true;
    return false;
  }

  /** A tab attached; until it reports, it counts as visible. */
  add(tabId: string): void {
    if (!this.#tabs.has(tabId)) this.#tabs.set(tabId, undefined);
    this.#update();
  }

  report(tabId: string, lifecycle: TabLifecycle): void {
    this.#tabs.set(tabId, lifecycle);
    this.#update();
  }

  remove(tabId: string): void {
    if (this.#tabs.delete(tabId)) this.#update();
  }

  close(): void {
    this.#clear();
    this.#tabs.clear();
  }

  /** The grace before pausing, or `undefined` while some tab keeps the upstream awake. */
  graceMs(): number | undefined {
    if (this.#tabs.size === 0) return undefined; // no tab: nothing to pause for (the hub idles)
    let grace = 0;
    for (const tab of this.#tabs.values()) {
      if (!tab || tab.visible || tab.keepAlive || tab.pauseAfterMs === false) return undefined;
      grace = Math.max(grace, tab.pauseAfterMs);
    }
    return this.saveData ? grace * SAVE_DATA_FACTOR : grace;
  }

  #update(): void {
    const grace = this.graceMs();
    if (grace === undefined) {
      this.#clear();
      if (this.#paused) {
        this.#paused = false;
        this.#o.onResume();
      }
      return;
    }
    if (this.#paused) return;
    // The countdown runs from the moment the last tab went to sleep: a second hidden report must
    // not restart it, but a tab asking for a different grace moves its end.
    const now = this.#o.clock.now();
    this.#asleepSince ??= now;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#paused = true;
      this.#o.onPause();
    }, Math.max(0, this.#asleepSince + grace - now));
  }

  #clear(): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#asleepSince = undefined;
  }
}
