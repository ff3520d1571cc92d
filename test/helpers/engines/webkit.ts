/**
 * WebKit in the engine-neutral shape (types.ts): WebKitGTK's MiniBrowser (the engine of Safari)
 * under Xvfb, driven over W3C WebDriver (WebKitWebDriver, through webdriverio). WebKitWebDriver
 * serves one session at a time, so each context is a WebKitWebDriver process and session of its
 * own (an automation session's website data is ephemeral: a fresh profile). Each tab is a window of
 * its own; the session's first window stays blank, so closing the last tab never ends the session.
 */
import { remote } from 'webdriverio';
import { withTimeout } from '../wait.js';
import { pageExpression, type Engine, type EngineContext, type EngineTab } from './types.js';
import { MINIBROWSER_CAPABILITIES, startWebKitDriver, startXvfb } from './webkit-driver.js';

type Session = Awaited<ReturnType<typeof remote>>;

/** Longest a script may run in the page (WebDriver `script` timeout); the tests' own waits are shorter. */
const SCRIPT_MS = 60_000;

/** WebDriver commands go to the current window: switching and commanding must not interleave. */
function serial(): <T>(work: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>) => {
    const next = last.then(work, work);
    last = next.catch(() => undefined);
    return next;
  };
}

/** `fn(arg)` as a WebDriver async script: its callback (the last argument) gets the outcome. */
function asyncScript(fn: (arg: never) => unknown, arg: unknown): string {
  return `const done = arguments[arguments.length - 1];
Promise.resolve().then(() => ${pageExpression(fn, arg)}).then(
  (value) => done({ value: value === undefined ? null : value }),
  (error) => done({ error: String(error && error.stack || error) }));`;
}

async function openSession(display: string): Promise<{ session: Session; close(): Promise<void> }> {
  const driver = await startWebKitDriver(display);
  try {
    const session = await remote({
      hostname: '127.0.0.1',
      port: driver.port,
      logLevel: 'error',
      connectionRetryCount: 0,
      connectionRetryTimeout: SCRIPT_MS + 30_000,
      // WebKitWebDriver speaks classic WebDriver only: a session asking for BiDi is refused.
      capabilities: { ...MINIBROWSER_CAPABILITIES, 'wdio:enforceWebDriverClassic': true, timeouts: { implicit: 0, script: SCRIPT_MS, pageLoad: 30_000 } } as WebdriverIO.Capabilities,
    });
    return {
      session,
      async close() {
        await withTimeout(session.deleteSession(), 15_000, 'the WebKit session to end').catch(() => undefined);
        await driver.close();
      },
    };
  } catch (error) {
    await driver.close();
    throw error;
  }
}

function contextOf(session: Session, first: string, closeSession: () => Promise<void>): EngineContext {
  const run = serial();
  const tabs = new Set<string>();
  /**
   * WebKitWebDriver now and then answers a tab's handle with `no such window` while the window is
   * still open under a new handle (seen under load, on a window just opened). When exactly one
   * open window has a handle no tab knows, it is that tab's: the tab takes it.
   */
  const renamed = async (handle: string): Promise<string | undefined> => {
    const unknown = (await session.getWindowHandles()).filter((open) => open !== first && !tabs.has(open));
    if (unknown.length !== 1) return undefined;
    tabs.delete(handle);
    tabs.add(unknown[0]!);
    console.log(`# webkit: window ${handle} answers as ${unknown[0]} now`);
    return unknown[0];
  };
  const tabOf = (opened: string): EngineTab => {
    let handle = opened;
    const inWindow = <T>(work: () => Promise<T>) =>
      run(async () => {
        try {
          await session.switchToWindow(handle);
        } catch (error) {
          const now = (error as Error).name === 'no such window' ? await renamed(handle) : undefined;
          if (!now) throw error;
          handle = now;
          await session.switchToWindow(handle);
        }
        return work();
      });
    return {
      async evaluate<T, A>(fn: (arg: A) => T | Promise<T>, arg?: A) {
        const outcome = (await inWindow(() => session.executeAsync(asyncScript(fn as (arg: never) => unknown, arg)))) as { value?: T; error?: string };
        if (outcome.error !== undefined) throw new Error(`in the page: ${outcome.error}`);
        return outcome.value as T;
      },
      goto: (url) => inWindow(() => session.url(url)).then(() => undefined),
      setHidden: (hidden) => inWindow(() => (hidden ? session.minimizeWindow() : session.setWindowRect(0, 0, 1024, 768))).then(() => undefined),
      close: () =>
        inWindow(async () => {
          tabs.delete(handle);
          await session.closeWindow();
        }),
    };
  };
  return {
    async open(url) {
      const handle = await run(async () => {
        const { handle } = await session.createWindow('window');
        await session.switchToWindow(handle);
        await session.url(url);
        return handle;
      });
      tabs.add(handle);
      return tabOf(handle);
    },
    close: closeSession,
  };
}

/** Fails (never skips) when Xvfb, WebKitWebDriver or MiniBrowser is missing. */
export async function launchWebKitEngine(): Promise<Engine> {
  const xvfb = await startXvfb();
  const sessions = new Set<{ close(): Promise<void> }>();
  const start = async () => {
    const opened = await openSession(xvfb.display);
    const entry = {
      session: opened.session,
      close: async () => {
        if (!sessions.delete(entry)) return;
        await opened.close();
      },
    };
    sessions.add(entry);
    return entry;
  };
  let first: Awaited<ReturnType<typeof start>>;
  try {
    first = await start();
  } catch (error) {
    await xvfb.close();
    throw error;
  }
  const caps = first.session.capabilities as { browserName?: string; browserVersion?: string };
  let spare: typeof first | undefined = first;
  return {
    name: 'webkit',
    version: `webkitgtk/${caps.browserVersion ?? '?'}`,
    async newContext() {
      const entry = spare ?? (await start());
      spare = undefined;
      return contextOf(entry.session, await entry.session.getWindowHandle(), entry.close);
    },
    async quit() {
      for (const entry of [...sessions]) await entry.close();
      await xvfb.close();
    },
  };
}
