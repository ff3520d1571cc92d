/**
 * The set-up most end-to-end files share: a push server, a static server for the test pages and
 * the built bundles, Chromium and, when asked, a browser-level CDP session — started once in
 * `test.before`, closed in `test.after`. Call it at module top level.
 *
 * The handles it returns exist before the servers do (so a file can destructure them at its top)
 * and forward every read and write to the real object once `test.before` has run: test bodies keep
 * reading `push.url` or calling `browser.newContext()` as with their own `let`s.
 *
 * One hook does it all, in order: Node 20 does not wait for one top-level `test.before` to end
 * before it starts the next, so a file's own `before` cannot count on the fixture's having run.
 *
 * Fails, never skips, when Chromium or the build is missing: `test.before` throws and every test
 * of the file fails with that error.
 */
import { test, type TestContext } from 'node:test';
import type { Browser, CDPSession } from 'playwright-core';
import type { PushServerOptions } from '../../server/index.js';
import { assertBuilt, startStaticServer } from './browser.js';
import { launchChromium } from './chromium.js';
import type { LocalServer } from './local-http.js';
import { startServer, type StartedServer } from './server.js';

interface Closable {
  close(): Promise<void>;
}

export interface E2eOptions<Pages extends LocalServer, Front extends Closable, Launched extends Closable> {
  /** The push server's options (`retry`, `history`, `jwtSecret`, …). */
  readonly server?: PushServerOptions;
  /** Runs once the push server listens, before anything can connect to it (e.g. to watch its requests). */
  readonly withPush?: (push: StartedServer) => void;
  /** Serves the pages and the bundles (default `startStaticServer`; e.g. `startVersionedStatic`). */
  readonly pages?: () => Promise<Pages>;
  /** A server in front of the push server or of the pages (a proxy, a counting front): started once both run, closed before them. */
  readonly front?: (started: { push: StartedServer; pages: Pages }) => Promise<Front>;
  /** Starts the browser (default `launchChromium`; `launchCdpChromium` where pages must really be hidden). */
  readonly launch?: () => Promise<Launched>;
  /** A browser-level CDP session, for what playwright does not expose (SharedWorker targets). */
  readonly cdp?: Launched extends Browser ? boolean : never;
}

export interface E2e<Pages, Front, Launched> {
  readonly push: StartedServer;
  readonly pages: Pages;
  readonly front: Front;
  readonly browser: Launched;
  readonly cdp: CDPSession;
}

interface Late<T extends object> {
  readonly handle: T;
  value: T | undefined;
}

/** A stand-in for `what`, which exists only once `test.before` has run: reads, calls and writes go to it. */
function late<T extends object>(what: string): Late<T> {
  const slot: { value: T | undefined } = { value: undefined };
  const real = (): T => {
    if (slot.value === undefined) throw new Error(`${what} is not there: it is started in test.before (did it fail, or is it not asked for?)`);
    return slot.value;
  };
  const handle = new Proxy({} as T, {
    get(_, key) {
      const target = real();
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set: (_, key, value) => Reflect.set(real(), key, value),
  });
  return Object.assign(slot, { handle });
}

export function e2eFixture<Pages extends LocalServer = LocalServer, Front extends Closable = Closable, Launched extends Closable = Browser>(
  options: E2eOptions<Pages, Front, Launched> = {},
): E2e<Pages, Front, Launched> {
  const push = late<StartedServer>('the push server');
  const pages = late<Pages>('the static server');
  const front = late<Front>('the front server');
  const browser = late<Launched>('Chromium');
  const cdp = late<CDPSession>('the CDP session');
  // Without the option its type parameter keeps its default, which is what the default starts.
  const startPages = options.pages ?? (startStaticServer as () => Promise<Pages>);
  const launch = options.launch ?? (launchChromium as unknown as () => Promise<Launched>);

  test.before(async () => {
    assertBuilt();
    push.value = await startServer(options.server);
    options.withPush?.(push.value);
    pages.value = await startPages();
    if (options.front) front.value = await options.front({ push: push.value, pages: pages.value });
    browser.value = await launch();
    // Only a playwright Browser can be asked for one (the option's type says so).
    if (options.cdp) cdp.value = await (browser.value as unknown as Browser).newBrowserCDPSession();
  });
  test.after(async () => {
    // The browser first: its tabs would otherwise reconnect to servers that are closing.
    await browser.value?.close();
    await front.value?.close();
    await pages.value?.close();
    await push.value?.close();
  });
  return { push: push.handle, pages: pages.handle, front: front.handle, browser: browser.handle, cdp: cdp.handle };
}

/**
 * For a test whose pages the push server serves itself (the demo, `/tabmux.js` from the server):
 * a push server of its own options and Chromium, closed when the test ends (the browser first).
 */
export async function startPushAndChromium(t: TestContext, options: PushServerOptions = {}): Promise<{ push: StartedServer; browser: Browser }> {
  assertBuilt();
  const push = await startServer(options);
  const browser = await launchChromium().catch(async (error: unknown) => {
    await push.close();
    throw error;
  });
  t.after(async () => {
    await browser.close();
    await push.close();
  });
  return { push, browser };
}
