/**
 * Hides tabs the way a user does: each tab is its own window and the window is minimised (CDP
 * `Browser.setWindowBounds`), so the page really reports `document.visibilityState` 'hidden' and
 * fires `visibilitychange`. This needs Chromium launched without Playwright's focus emulation
 * (test/helpers/cdp-chromium.ts): under `chromium.launch()` every page stays 'visible'.
 * Resolves once every page says 'hidden'.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { setMinimized, visibilityOf } from '../../test/helpers/cdp-chromium.js';
import { waitFor } from '../../test/helpers/wait.js';

export interface HiddenTabs {
  /** Shows the tabs again (the user switching back). */
  restore(): Promise<void>;
}

export async function hideTabs(context: BrowserContext, pages: readonly Page[], timeoutMs: number): Promise<HiddenTabs> {
  for (const page of pages) await setMinimized(context, page, true);
  for (const [i, page] of pages.entries()) await waitFor(`tab ${i} to report hidden`, async () => (await visibilityOf(page)) === 'hidden', timeoutMs);
  return {
    async restore() {
      for (const page of pages) await setMinimized(context, page, false);
    },
  };
}
