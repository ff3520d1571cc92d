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
 */
import type { Clock } from './platform.js';

interface Front {
  visible: boolean;
  /** When `visible` last changed (or the tab attached). */
  since: number;
}

export class FrontTabs {
  readonly #tabs = new Map<string, Front>();

  constructor(private readonly clock: Clock) {}

  add(tabId: string): void {
    if (!this.#tabs.has(tabId)) this.#tabs.set(tabId, { visible: true, since: this.clock.now() });
  }

  report(tabId: string, visible: boolean): void {
    const front = this.#tabs.get(tabId);
    if (!front || front.visible === visible) return;
    front.visible = visible;
    front.since = this.clock.now();
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

function ahead(a: Front, b: Front): boolean {
  return a.visible !== b.visible ? a.visible : a.since > b.since;
}
