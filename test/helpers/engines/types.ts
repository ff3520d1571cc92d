/**
 * The one shape every browser engine is driven through by the cross-engine end-to-end tests
 * (test/engines/): open a tab at a URL, run code in it, hide or show it, close it; a new isolated
 * context (its own profile: storage, workers, locks); quit. One file per engine implements it
 * (chromium.ts, firefox.ts, webkit.ts) with whatever protocol that engine speaks, so one test
 * body runs in all three.
 */

export type EngineName = 'chromium' | 'firefox' | 'webkit';

export interface EngineTab {
  /**
   * `fn(arg)` run in the page, its promise awaited, its value returned (JSON-able values only).
   * `fn` is sent as source text: it must not use anything from the test's scope but `arg`.
   */
  evaluate<T, A = undefined>(fn: (arg: A) => T | Promise<T>, arg?: A): Promise<T>;
  goto(url: string): Promise<void>;
  /** Hides the page (its window minimised: `document.visibilityState` becomes `hidden`) or shows it again. */
  setHidden(hidden: boolean): Promise<void>;
  /** Closes the tab, as a user does (the page gets no chance to say goodbye beyond `pagehide`). */
  close(): Promise<void>;
}

export interface EngineContext {
  /** Opens a tab in a window of its own (so that it can be hidden alone) at `url`. */
  open(url: string): Promise<EngineTab>;
  /** Closes every tab of the context and forgets its profile. */
  close(): Promise<void>;
}

export interface Engine {
  readonly name: EngineName;
  /** The browser's own version string, e.g. `firefox/153.8.0`. */
  readonly version: string;
  newContext(): Promise<EngineContext>;
  /** Ends the browser and every process started for it. */
  quit(): Promise<void>;
}

/** The source text `evaluate` sends: `fn` applied to `arg`, with the helper tsx wraps named functions in. */
export function pageExpression(fn: (arg: never) => unknown, arg: unknown): string {
  // tsx (esbuild keepNames) wraps named functions in `__name(fn, "name")`, which the page has not.
  return `(() => { const __name = (f) => f; return (${fn.toString()})(${arg === undefined ? '' : JSON.stringify(arg)}); })()`;
}
