/**
 * Firefox in the engine-neutral shape (types.ts): Debian's Firefox ESR driven by puppeteer-core over
 * WebDriver BiDi (Playwright's Firefox needs a patched build of its own). A context is a BiDi user
 * context (its own cookies, storage, workers and locks); each tab opens in a window of its own.
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { withTimeout } from '../wait.js';
import { pageExpression, type Engine, type EngineContext, type EngineTab } from './types.js';

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

function tabOf(browser: Browser, page: Page): EngineTab {
  return {
    evaluate: <T, A>(fn: (arg: A) => T | Promise<T>, arg?: A) => page.evaluate(pageExpression(fn, arg)) as Promise<T>,
    goto: async (url) => void (await page.goto(url, { waitUntil: 'load', timeout: 30_000 })),
    async setHidden(hidden) {
      await browser.setWindowBounds(await page.windowId(), { windowState: hidden ? 'minimized' : 'normal' });
    },
    close: () => page.close(),
  };
}

/** Fails (never skips) when Firefox is missing: a browser test that cannot run is a failure. */
export async function launchFirefoxEngine(): Promise<Engine> {
  if (!existsSync(FIREFOX_PATH)) throw new Error(`Firefox not found at ${FIREFOX_PATH}: install it (apt-get install -y firefox-esr)`);
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX_PATH, headless: true, timeout: 60_000 });
  const version = await browser.version();
  return {
    name: 'firefox',
    version,
    async newContext(): Promise<EngineContext> {
      const context = await browser.createBrowserContext();
      return {
        async open(url) {
          const page = await context.newPage({ type: 'window' });
          await withTimeout(page.goto(url, { waitUntil: 'load', timeout: 30_000 }), 35_000, `Firefox to load ${url}`);
          return tabOf(browser, page);
        },
        close: () => context.close(),
      };
    },
    quit: () => browser.close(),
  };
}
