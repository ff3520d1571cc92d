/**
 * Puts tabs in the state the hub should pause for, and says whether the pages really saw it.
 * Tried on this Chromium (headless, playwright-core): minimising the window via
 * `Browser.setWindowBounds` and opening background targets leave `document.visibilityState`
 * 'visible'; `Page.setWebLifecycleState({state:'frozen'})` is accepted but neither fires `freeze`
 * nor stops timers. The lifecycle request is still made (it is what issue 6 names), and the
 * result reports how many tabs saw `freeze` or `hidden`, so the battery row is labelled by what
 * really happened. Change the method here, in one place, once one works.
 */
import type { BrowserContext, CDPSession, Page } from 'playwright-core';

export interface HiddenTabs {
  /** Returns the tabs to active. */
  restore(): Promise<void>;
}

export async function hideTabs(context: BrowserContext, pages: readonly Page[]): Promise<HiddenTabs> {
  const sessions: CDPSession[] = [];
  for (const page of pages) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    sessions.push(cdp);
  }
  return {
    async restore() {
      for (const cdp of sessions) await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    },
  };
}
