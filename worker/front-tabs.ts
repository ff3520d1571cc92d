/**
 * Which tab is most in front, for one-tab delivery (README, One tab per message): the one a user
 * most likely looks at, so that a notification or a sound comes from the page they see.
 *
 *  - a visible tab before a hidden one (hidden includes frozen: lifecycle.ts);
 *  - among visible tabs, the one shown last: the user just switched to it (the browser tells a page
 *    it is shown, not that it has the focus; with one window only one tab is shown anyway);
 *  - among hidden tabs, the one hidden last: the user left it most recently;
 *  - a tab that has not reported yet counts as visible from its attach, as in visibility.ts (a
 *    fresh tab is usually in front); its first report corrects that at once;
 *  - a tie (two tabs changed in the same millisecond) goes to the one listed first by the caller.
 *
 * The `direct` host ranks whole tabs, each its own hub, by the same rule (one-tab-peers.ts): each
 * tells the others its own front (`set`), whose `since` is a wall-clock time (`Date.now()` is one
 * clock for every page of a browser).
 */
import type { Clock } from './platform.js';

export interface Front {
  readonly visible: boolean;
  /** When `visible` last changed (or the tab attached). */
  readonly since: number;
}

export class FrontTabs {
  readonly #tabs = new Map<string, Front>();

  constructor(private readonly clock: Clock) {}

  add(tabId: string): void {
    if (!this.#tabs.has(tabId)) this.#tabs.set(tabId, { visible: true, since: this.clock.now() });
  }

  /** True when the tab's front changed. */
  report(tabId: string, visible: boolean): boolean {
    const front = this.#tabs.get(tabId);
    if (!front || front.visible === visible) return false;
    this.#tabs.set(tabId, { visible, since: this.clock.now() });
    return true;
  }

  /** A front another tab reported of itself (`direct`: one-tab-peers.ts). */
  set(tabId: string, front: Front): void {
    this.#tabs.set(tabId, { visible: front.visible === true, since: Number(front.since) || 0 });
  }

  get(tabId: string): Front | undefined {
    return this.#tabs.get(tabId);
  }

  remove(tabId: string): void {
    this.#tabs.delete(tabId);
  }

  /** The most-in-front tab of `candidates` (in the caller's order for ties). */
  best(candidates: Iterable<string>): string | undefined {
    let best: string | undefined;
    let bestFront: Front | undefined;
    for (const tabId of candidates) {
      const front = this.#tabs.get(tabId) ?? { visible: false, since: -Infinity };
      if (!bestFront || ahead(front, bestFront)) {
        best = tabId;
        bestFront = front;
      }
    }
    return best;
  }
}

/** `a` is more in front than `b` (not a tie). */
export function ahead(a: Front, b: Front): boolean {
  return a.visible !== b.visible ? a.visible : a.since > b.since;
}
