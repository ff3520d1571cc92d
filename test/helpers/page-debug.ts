/** The hub's own view, read from a tab: `mux.debug()` of the tabmux client a test page exposes. */
import type { Page } from 'playwright-core';
import type { DebugSnapshot } from '../../src/hub-protocol/hub-api.js';
import { withTimeout } from './wait.js';

/** `T` narrows the snapshot to the fields a test reads (pages of other hosts answer a subset). */
export function debugOf<T = DebugSnapshot>(page: Page): Promise<T> {
  return page.evaluate(() => (window as unknown as { mux: { debug(): Promise<T> } }).mux.debug());
}

/** As `debugOf`, failing after `ms`: a call to a hub that is stopping may never answer. */
export function debugWithin<T = DebugSnapshot>(page: Page, ms: number): Promise<T> {
  return withTimeout(debugOf<T>(page), ms, 'debug()');
}
