/**
 * Chromium launched by hand with `--remote-debugging-port=0` and attached over CDP, for tests that
 * need pages to really be hidden. Playwright's own `launch()` emulates focus (pages always report
 * `visible`), and new contexts get that emulation back: pages must open in the DEFAULT context.
 * Fails (never skips) when Chromium is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.js';
import { withTimeout } from './wait.js';

export interface CdpChromium {
  readonly browser: Browser;
  readonly context: BrowserContext;
  /** The browser's DevTools WebSocket URL (for raw CDP: test/helpers/raw-cdp.ts). */
  readonly endpoint: string;
  close(): Promise<void>;
}

export interface SpawnedChromium {
  /** The browser's DevTools WebSocket URL. */
  readonly endpoint: string;
  /** Ends the process (SIGKILL if it has not exited 10 s after SIGTERM) and removes its profile. */
  close(): Promise<void>;
}

/** Chromium, headless, with `--remote-debugging-port=0` and a fresh temporary profile: no playwright in it. */
export async function spawnChromium(): Promise<SpawnedChromium> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install -y chromium)`);
  const profile = mkdtempSync(join(tmpdir(), 'tabmux-cdp-'));
  const child: ChildProcess = spawn(CHROMIUM_PATH, [...CHROMIUM_ARGS, '--headless', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const close = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await withTimeout(exited, 10_000, 'Chromium to exit').catch(() => child.kill('SIGKILL'));
    }
    // Chromium's helper processes may still be writing the profile for a moment.
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch {
      // a leftover temporary profile is not a test failure
    }
  };
  const endpoint = await withTimeout(
    new Promise<string>((resolve, reject) => {
      let text = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`Chromium exited (${code}) before listening: ${text.slice(-500)}`)));
    }),
    30_000,
    'Chromium to print its DevTools endpoint',
  ).catch(async (error: unknown) => {
    await close();
    throw error;
  });
  return { endpoint, close };
}

export async function launchCdpChromium(): Promise<CdpChromium> {
  const spawned = await spawnChromium();
  const browser = await chromium.connectOverCDP(spawned.endpoint, { noDefaults: true, timeout: 30_000 });
  const context = browser.contexts()[0];
  if (!context) throw new Error('Chromium has no default context');
  return {
    browser,
    context,
    endpoint: spawned.endpoint,
    async close() {
      await browser.close().catch(() => undefined);
      await spawned.close();
    },
  };
}

/**
 * Opens `count` pages, each in its OWN window (`Target.createTarget({ newWindow: true })`): tabs of
 * one window share its visibility (only the front tab is visible), windows can be minimised alone.
 */
export async function openWindows(chromium: CdpChromium, count: number): Promise<Page[]> {
  const cdp = await chromium.browser.newBrowserCDPSession();
  const pages: Page[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const opened = chromium.context.waitForEvent('page', { timeout: 10_000 });
      await cdp.send('Target.createTarget', { url: 'about:blank', newWindow: true });
      const page = await opened;
      page.on('pageerror', (error) => console.error(`window ${i}: ${error.message}`));
      pages.push(page);
    }
  } finally {
    await cdp.detach().catch(() => undefined);
  }
  return pages;
}

/** Minimises the page's window (CDP `Browser.setWindowBounds`) or restores it. */
export async function setMinimized(context: BrowserContext, page: Page, minimized: boolean): Promise<void> {
  const cdp: CDPSession = await context.newCDPSession(page);
  try {
    const { windowId } = (await cdp.send('Browser.getWindowForTarget')) as { windowId: number };
    await cdp.send('Browser.setWindowBounds', { windowId, bounds: { windowState: minimized ? 'minimized' : 'normal' } });
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

export function visibilityOf(page: Page): Promise<string> {
  return page.evaluate(() => document.visibilityState);
}
