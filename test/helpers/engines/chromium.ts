/**
 * Chromium in the engine-neutral shape (types.ts): Debian's Chromium, launched by hand and driven
 * over the DevTools protocol through playwright-core (../cdp-chromium.ts), one browser process per
 * context. Not playwright's own launch: it emulates focus, so its pages never report `hidden`.
 */
import type { Page } from 'playwright-core';
import { launchCdpChromium, openWindows, setMinimized, type CdpChromium } from '../cdp-chromium.js';
import { withTimeout } from '../wait.js';
import { pageExpression, type Engine, type EngineContext, type EngineTab } from './types.js';

function tabOf(chromium: CdpChromium, page: Page): EngineTab {
  return {
    evaluate: <T, A>(fn: (arg: A) => T | Promise<T>, arg?: A) => page.evaluate(pageExpression(fn, arg)) as Promise<T>,
    goto: async (url) => void (await page.goto(url)),
    setHidden: (hidden) => setMinimized(chromium.context, page, hidden),
    close: () => page.close(),
  };
}

export async function launchChromiumEngine(): Promise<Engine> {
  const open = new Set<CdpChromium>();
  // One process up front: it says the version, and a missing Chromium fails here.
  const first = await launchCdpChromium();
  const version = `chromium/${first.browser.version()}`;
  let spare: CdpChromium | undefined = first;
  open.add(first);
  return {
    name: 'chromium',
    version,
    async newContext(): Promise<EngineContext> {
      const chromium = spare ?? (await launchCdpChromium());
      spare = undefined;
      open.add(chromium);
      return {
        async open(url) {
          const [page] = await openWindows(chromium, 1);
          await withTimeout(page!.goto(url), 30_000, `Chromium to load ${url}`);
          return tabOf(chromium, page!);
        },
        async close() {
          open.delete(chromium);
          await chromium.close();
        },
      };
    },
    async quit() {
      for (const chromium of open) await chromium.close();
      open.clear();
    },
  };
}
