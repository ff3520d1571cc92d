/**
 * One-tab delivery in real browsers (README, One tab per message): the tab page that subscribes a
 * channel both ways (test/e2e/pages/one-tab.html), and the observer page that reads the one-tab
 * handler calls of every tab, which a SharedWorker of the test counts as they happen
 * (test/e2e/pages/one-tab-counter.js) — the calls of tabs closed or crashed later included,
 * which no reading of the tabs themselves could give.
 */
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { range } from './browser.js';
import { waitFor, withTimeout } from './wait.js';

/** One call of a one-tab handler: which tab, which message. */
export interface OneTabCall {
  readonly tab: string;
  readonly n: number;
}

export interface OneTabPage {
  readonly server: string;
  readonly channel: string;
  readonly transport?: 'sse' | 'ws' | 'poll';
  readonly host?: 'auto' | 'shared-worker' | 'service-worker' | 'leader' | 'direct';
  /** pauseWhenHidden, seconds. */
  readonly pause?: number;
  /** Milliseconds each one-tab call works (a busy loop) before it counts: the tab then holds unacknowledged messages under load. */
  readonly slow?: number;
  /** The counter's name (openObserver's): one per test where tests share a browser context. */
  readonly counter?: string;
  /** The client finds no SharedWorker (the counter still has one). */
  readonly noSharedWorker?: boolean;
}

/** The URL of one-tab.html for the tab labelled `tab`. */
export function oneTabUrl(pagesUrl: string, tab: string, page: OneTabPage): string {
  const query = new URLSearchParams({ server: page.server, channel: page.channel, transport: page.transport ?? 'sse', host: page.host ?? 'auto', tab });
  if (page.pause !== undefined) query.set('pause', String(page.pause));
  if (page.slow !== undefined) query.set('slow', String(page.slow));
  if (page.counter !== undefined) query.set('counter', page.counter);
  if (page.noSharedWorker) query.set('nosw', '1');
  return `${pagesUrl}/pages/one-tab.html?${query}`;
}

/** Waits until the page at one-tab.html subscribed both ways. */
export function oneTabReady(page: Page, what: string, ms = 30_000): Promise<void> {
  return withTimeout(page.evaluate(() => (window as unknown as { tabReady: Promise<void> }).tabReady), ms, `${what} to subscribe`);
}

/** What the page's every-tab handler got (the `n` of each message, in order). */
export function everyTabReceived(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { received: number[] }).received);
}

export interface Observer {
  readonly page: Page;
  calls(): Promise<OneTabCall[]>;
  /** The tab that handled the latest message so far (the owner now, give or take a message). */
  lastTab(): Promise<string | undefined>;
  /** Waits until `count` distinct messages have been handled, or fails saying which are missing. */
  waitForAll(count: number, ms?: number): Promise<OneTabCall[]>;
}

/** Opens the observer page in `context` (the counter is a SharedWorker of that context's pages, named `counter` if given). */
export async function openObserver(context: BrowserContext, pagesUrl: string, page?: Page, counter?: string): Promise<Observer> {
  const observer = page ?? (await context.newPage());
  await observer.goto(`${pagesUrl}/pages/one-tab-observer.html${counter === undefined ? '' : `?counter=${encodeURIComponent(counter)}`}`);
  const calls = () => withTimeout(observer.evaluate(() => (window as unknown as { calls(): Promise<OneTabCall[]> }).calls()), 5000, 'the one-tab counter to answer');
  return {
    page: observer,
    calls,
    lastTab: async () => (await calls()).at(-1)?.tab,
    async waitForAll(count, ms = 30_000) {
      try {
        return await waitFor(`${count} messages handled across the tabs`, async () => {
          const all = await calls();
          return new Set(all.map((call) => call.n)).size >= count ? all : undefined;
        }, ms);
      } catch (error) {
        const seen = new Set((await calls()).map((call) => call.n));
        throw new Error(`${(error as Error).message}; never handled: ${range(count).filter((n) => !seen.has(n)).join(', ')}`, { cause: error });
      }
    },
  };
}

/**
 * Every message 0…count-1 handled exactly once across the tabs; says which were lost or twice, and
 * by whom. `gone`: tabs closed or crashed under the test. The README's one race is allowed for
 * each of them, and nothing more: a tab that dies after its handler ran but before its
 * acknowledgement reached the hub (the call reached the observer; the hub learnt of the death, by
 * the tab's lock, before the message on its port) has that message, its LAST call, handled once
 * more by the next tab.
 */
export function assertHandledOnceEach(calls: readonly OneTabCall[], count: number, gone: readonly string[] = []): void {
  const byMessage = new Map<number, string[]>();
  for (const { tab, n } of calls) byMessage.set(n, [...(byMessage.get(n) ?? []), tab]);
  const lastOf = new Map(gone.map((tab) => [tab, calls.filter((call) => call.tab === tab).at(-1)?.n]));
  const raced = (n: number, tabs: readonly string[]) => tabs.length === 2 && tabs.some((tab) => lastOf.get(tab) === n);
  const lost = range(count).filter((n) => !byMessage.has(n));
  const twice = [...byMessage].filter(([n, tabs]) => tabs.length > 1 && !raced(n, tabs)).map(([n, tabs]) => `${n} by ${tabs.join(' and ')}`);
  assert.deepEqual({ lost, twice }, { lost: [], twice: [] }, `${calls.length} handler calls for ${count} messages`);
}

/** How many messages each tab handled, e.g. `{ a: 120, c: 80 }`: for the diagnostics. */
export function callsByTab(calls: readonly OneTabCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { tab } of calls) counts[tab] = (counts[tab] ?? 0) + 1;
  return counts;
}
