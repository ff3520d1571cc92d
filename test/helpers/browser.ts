/**
 * Browser-side helpers for the end-to-end tests: a static server for the test pages and the
 * built bundles (another origin than the push server, as in most deployments), opening N tabs,
 * and reading the push server's /metrics. The bounded waits are in wait.ts.
 */
import http from 'node:http';
import { existsSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { listenLocal, sendFile, type LocalServer } from './local-http.js';
import { withTimeout } from './wait.js';


const root = fileURLToPath(new URL('../..', import.meta.url));
const ROUTES: Record<string, string> = {
  '/tabmux.js': 'dist/index.js',
  '/tabmux-worker.js': 'dist/worker.js',
  // Imported on demand by the client, relative to itself (the `direct` host's hub).
  '/tabmux-in-page-hub.js': 'dist/tabmux-in-page-hub.js',
};
/** Any other module the client imports on demand from next to itself (dist/tabmux-<name>.js, rollup.config.js). */
const LAZY_MODULE = /^\/tabmux-[\w-]+(\.[\w-]+)*\.js$/;

export type StaticServer = LocalServer;

/** Fails when the bundles are missing: these tests prove the BUILT hub and client. */
export function assertBuilt(): void {
  for (const file of Object.values(ROUTES)) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`flock /tmp/tabmux-build.lock npm run build\` first`);
  }
}

/** Serves /tabmux.js, /tabmux-worker.js, /tabmux-in-page-hub.js (dist) and /pages/* (test/e2e/pages) on 127.0.0.1:0. */
export async function startStaticServer(): Promise<StaticServer> {
  assertBuilt();
  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = ROUTES[path] ?? (LAZY_MODULE.test(path) ? `dist${path}` : path.startsWith('/pages/') ? normalize(join('test/e2e', path)) : undefined);
    if (!file || !(file.startsWith('dist/') || file.startsWith('test/e2e/pages/'))) {
      res.writeHead(404).end();
      return;
    }
    await sendFile(res, join(root, file));
  });
  return listenLocal(server);
}

/** One gauge/counter of the push server's Prometheus text, summed over its labels (or one label set). */
export async function readMetric(serverUrl: string, name: string, labels?: string): Promise<number> {
  const text = await (await fetch(`${serverUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-z_]+)(\{[^}]*\})?\s+([0-9.eE+-]+)$/.exec(line.trim());
    if (!match || match[1] !== name) continue;
    if (labels !== undefined && match[2] !== labels) continue;
    sum += Number(match[3]);
  }
  return sum;
}

/** Opens `count` pages at `url(i)` and waits until each says it is ready (`window.tabReady`). */
export async function openTabs(context: BrowserContext, count: number, url: (index: number) => string): Promise<Page[]> {
  const pages: Page[] = [];
  for (let i = 0; i < count; i++) {
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`tab ${i}: ${error.message}`));
    await page.goto(url(i));
    pages.push(page);
  }
  await Promise.all(
    pages.map(async (page, i) => {
      try {
        // A page that did not load (a 403, say) has no tabReady: awaiting undefined would pass.
        const ready = page.evaluate(() => {
          const { tabReady } = window as unknown as { tabReady?: Promise<void> };
          if (!tabReady) throw new Error(`${location.href} has no tabReady: the page or its script did not load`);
          return tabReady;
        });
        await withTimeout(ready, 20_000, `tab ${i} to subscribe`);
      } catch (error) {
        // Say where it stuck: the hub's own view is the quickest diagnosis.
        const debug = await withTimeout(page.evaluate(() => (window as unknown as { mux?: { debug(): Promise<unknown> } }).mux?.debug()), 2000, 'debug()').catch((e: Error) => e.message);
        throw new Error(`${(error as Error).message}; hub: ${JSON.stringify(debug)}`, { cause: error });
      }
    }),
  );
  return pages;
}

/** What a test tab page recorded: per channel, the `n` of every message in arrival order. */
export function received(page: Page): Promise<Record<string, number[]>> {
  return page.evaluate(() => (window as unknown as { received: Record<string, number[]> }).received);
}

/** `[0, 1, …, n-1]`. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
