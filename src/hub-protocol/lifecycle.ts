/**
 * What a tab tells its hub about its page (README, Battery and network). Types only, shared by
 * the client (src/page-lifecycle.ts), the hub (worker/visibility.ts) and the unit tests.
 */

/** One tab's page state, sent after `hello` and again whenever it changes. */
export interface TabLifecycle {
  /**
   * The page is shown and not frozen: `document.visibilityState === 'visible'` and no Page
   * Lifecycle `freeze` without a later `resume` (WICG Page Lifecycle §"freeze").
   */
  readonly visible: boolean;
  /** This tab wants the upstream open even while hidden (`keepAliveWhenHidden`: a call in progress). */
  readonly keepAlive: boolean;
  /** `pauseWhenHidden` in ms; `false`: this tab never lets the hub pause. */
  readonly pauseAfterMs: number | false;
  /** `navigator.connection.saveData` (Network Information API), false where absent. */
  readonly saveData: boolean;
  /** `navigator.onLine` as this page sees it (the worker's own view may lag or differ). */
  readonly online: boolean;
}

/** Default `pauseWhenHidden` in seconds: the README's documented default. */
export const DEFAULT_PAUSE_WHEN_HIDDEN_S = 60;
