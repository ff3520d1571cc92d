/** Debian's Chromium under playwright-core, with the flags this sandbox needs. */
import { chromium, type Browser } from 'playwright-core';
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Fails (never skips) when Chromium is missing: a browser test that cannot run is a failure. `args`: more flags. */
export async function launchChromium(args: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install -y chromium)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...args], timeout: 30_000 });
}

/**
 * Plain http as a deployment sees it: a host name that Chromium launched with PLAIN_HTTP_ARGS
 * resolves to 127.0.0.1 but, not being localhost, does not take as potentially trustworthy. Its
 * pages are not secure contexts: no Web Locks, no Service Worker, no `crypto.randomUUID`.
 */
export const PLAIN_HTTP_HOST = 'plain-http.test';
export const PLAIN_HTTP_ARGS = [`--host-resolver-rules=MAP ${PLAIN_HTTP_HOST} 127.0.0.1`];

/** `url` (a server on 127.0.0.1) reached by PLAIN_HTTP_HOST. */
export function onPlainHttp(url: string): string {
  const moved = new URL(url);
  moved.hostname = PLAIN_HTTP_HOST;
  return moved.href.replace(/\/$/, '');
}
