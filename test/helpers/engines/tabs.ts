/**
 * What the cross-engine tests read from the test pages (test/e2e/pages/tab.html and its kin),
 * through the engine-neutral tab (types.ts): open N tabs and wait until each subscribed, the
 * messages each recorded, the hub's `debug()`, the upstreams a page opened itself.
 */
import type { DebugSnapshot } from '../../../src/hub-protocol/hub-api.js';
import { withTimeout } from '../wait.js';
import type { EngineContext, EngineTab } from './types.js';

type TabWindow = Window & {
  tabReady: Promise<void>;
  received: Record<string, number[]>;
  errors: string[];
  states: string[];
  upstreams?: string[];
  mux: { debug(): Promise<DebugSnapshot>; publish(channel: string, data: unknown): Promise<{ id: string }>; state: string };
};

/** Opens `count` tabs at `url(i)`, one after the other, and waits until each has subscribed (`window.tabReady`). */
export async function openTabs(context: EngineContext, count: number, url: (index: number) => string): Promise<EngineTab[]> {
  const tabs: EngineTab[] = [];
  for (let i = 0; i < count; i++) tabs.push(await context.open(url(i)));
  for (const [i, tab] of tabs.entries()) await whenReady(tab, `tab ${i}`);
  return tabs;
}

/** Waits until the page subscribed; says the hub's view when it does not. */
export async function whenReady(tab: EngineTab, what: string): Promise<void> {
  try {
    await withTimeout(
      tab.evaluate(() => (window as unknown as TabWindow).tabReady.then(() => true)),
      30_000,
      `${what} to subscribe`,
    );
  } catch (error) {
    const debug = await withTimeout(debugOf<unknown>(tab), 3000, 'debug()').catch((e: Error) => e.message);
    throw new Error(`${(error as Error).message}; hub: ${JSON.stringify(debug)}`, { cause: error });
  }
}

/** Per channel, the `n` of every message the page received, in arrival order. */
export const received = (tab: EngineTab): Promise<Record<string, number[]>> => tab.evaluate(() => (window as unknown as TabWindow).received);

/** The tabmux error codes the page's mux reported. */
export const errorsOf = (tab: EngineTab): Promise<string[]> => tab.evaluate(() => (window as unknown as TabWindow).errors);

/** `mux.debug()` of the page, narrowed to what a test reads; fails after 10 s (a hub that stops may never answer). */
export const debugOf = <T = DebugSnapshot>(tab: EngineTab): Promise<T> =>
  withTimeout(tab.evaluate(() => (window as unknown as TabWindow).mux.debug()) as Promise<T>, 10_000, 'debug()');

/** The upstream requests the PAGE itself made (the leader's in-page hub), recorded by pages/watch-upstreams.js. */
export const upstreamsOf = (tab: EngineTab): Promise<string[]> => tab.evaluate(() => (window as unknown as TabWindow).upstreams ?? []);

export const visibilityOf = (tab: EngineTab): Promise<string> => tab.evaluate(() => document.visibilityState);

/** Every tab has at least `count` messages of `channel`. */
export const allHave = (tabs: readonly EngineTab[], channel: string, count: number) => async (): Promise<boolean> =>
  (await Promise.all(tabs.map(received))).every((r) => (r[channel]?.length ?? 0) >= count);
