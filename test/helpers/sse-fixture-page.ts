/**
 * Drives the page the SSE fixture server serves at `/` (test/helpers/sse-fixture-server.ts): its
 * `window.startSource` opens a native EventSource or a SharedEventSource under a key and logs what
 * it dispatches (type, readyState, data, lastEventId, origin), read back with `logOf`.
 */
import type { Page } from 'playwright-core';

type Win = Window & {
  startSource(key: string, kind: string, url: string, listen: readonly string[], init?: EventSourceInit): void;
  waitOpen(key: string): Promise<boolean>;
  finish(key: string, ms: number): Promise<unknown[] | null>;
  logOf(key: string): unknown[];
  closeSource(key: string): void;
};

/** Opens source `key` of `kind` ('native' | 'shared') on `url`, also logging the event types in `listen`. */
export const startSource = (tab: Page, key: string, kind: string, url: string, listen: readonly string[] = [], init?: EventSourceInit) =>
  tab.evaluate(([k, kd, u, l, i]) => (window as unknown as Win).startSource(k, kd, u, l, i), [key, kind, url, listen, init] as const);
export const waitOpen = (tab: Page, key: string) => tab.evaluate((k) => (window as unknown as Win).waitOpen(k), key);
/** The log once the source failed for good (`error` with readyState CLOSED), or null after `ms`. */
export const finishSource = (tab: Page, key: string, ms: number) => tab.evaluate(([k, m]) => (window as unknown as Win).finish(k, m), [key, ms] as const);
export const logOf = (tab: Page, key: string) => tab.evaluate((k) => (window as unknown as Win).logOf(k), key);
export const closeSource = (tab: Page, key: string) => tab.evaluate((k) => (window as unknown as Win).closeSource(k), key);
