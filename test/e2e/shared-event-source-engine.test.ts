/**
 * SharedEventSource's class and its engine loaded on demand (src/shared-event-source.ts,
 * src/event-source/engine.ts → dist/tabmux-event-source.js), in real Chromium against a plain SSE
 * server (test/helpers/sse-fixture-server.ts) that can hold or refuse the engine's file:
 *  - closed before the engine arrived, a source never connects: no request at the server;
 *  - listeners and handlers set before the engine arrived get the events, through the hub and
 *    through the native fallback (a browser without SharedWorker);
 *  - the native fallback dispatches what a native EventSource does, for every stream of
 *    test/fixtures/sse-streams.ts (the hub engine is held to it by shared-event-source.test.ts);
 *  - an engine that cannot load ends the source as a native EventSource's fatal failure does:
 *    readyState CLOSED, one `error` event, no unhandled rejection;
 *  - a page that uses SharedEventSource and connect() loads ONE client module.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SSE_FIXTURES } from '../fixtures/sse-streams.js';
import { startFixtureServer, type FixtureServer } from '../helpers/sse-fixture-server.js';
import { launchChromium } from '../helpers/chromium.js';
import { startServer, type StartedServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import type * as Client from '../../src/index.js';

const ENGINE = '/tabmux-event-source.js';
const WAIT_MS = 30_000;
let server: FixtureServer;
let push: StartedServer;
let browser: Browser;

before(async () => {
  server = await startFixtureServer();
  push = await startServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await push?.close();
  await server?.close();
});

interface Opened {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught errors and unhandled rejections of the page. */
  readonly pageErrors: string[];
  readonly consoleErrors: string[];
}

/** A fresh context (its own module map, HTTP cache and hubs) on the fixture page. */
async function open(options: { withoutSharedWorker?: boolean } = {}): Promise<Opened> {
  const context = await browser.newContext();
  if (options.withoutSharedWorker) {
    // As in a browser that has none (removed before any page script runs, not faked).
    await context.addInitScript(() => delete (globalThis as Record<string, unknown>).SharedWorker);
  }
  const page = await context.newPage();
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.goto(`${server.origin}/`);
  await page.waitForFunction(() => 'startSource' in window, undefined, { timeout: WAIT_MS });
  return { context, page, pageErrors, consoleErrors };
}

type Win = Window & {
  SharedEventSource: typeof EventSource;
  probe: { es: EventSource; got: string[] };
  others: EventSource[];
};

/** Opens a source on `/live` and records what it dispatches as `type:data@readyState`. */
const startProbe = (page: Page, client: string): Promise<number> =>
  // A string, not a function: tsx would wrap a named function in a helper the page does not have.
  page.evaluate(`(() => {
    const es = new window.SharedEventSource('/live?client=' + ${JSON.stringify(client)});
    const got = [];
    window.probe = { es, got };
    function record(event) {
      got.push(event.type + (event instanceof MessageEvent ? ':' + event.data : '') + '@' + es.readyState);
    }
    // Handlers, a listener, and an event type other than message, all before the engine is there.
    es.onopen = record;
    es.onmessage = record;
    es.onerror = record;
    es.addEventListener('tick', record);
    return es.readyState;
  })()`);
const probeLog = (page: Page) => page.evaluate(() => (window as unknown as Win).probe.got);
const probeState = (page: Page) => page.evaluate(() => (window as unknown as Win).probe.es.readyState);

/** A second source that opens: the engine has loaded and the hub (or the server) has handled everything sent before. */
const openOther = (page: Page, client: string) =>
  page.evaluate(
    (c) =>
      new Promise<boolean>((resolve) => {
        const w = window as unknown as Win;
        const es = new w.SharedEventSource(`/live?client=${c}`);
        (w.others ??= []).push(es);
        es.addEventListener('open', () => resolve(true), { once: true });
      }),
    client,
  );

test('closed before the engine arrived, a source never connects: CLOSED, nothing dispatched, no request at the server', async () => {
  server.scripts.length = 0;
  const release = server.holdScript(ENGINE);
  const { context, page, pageErrors } = await open();
  try {
    // One closed in the very task that made it, one while the engine's file is on its way.
    await page.evaluate(() => new (window as unknown as Win).SharedEventSource('/live?client=closed-at-once').close());
    assert.equal(await startProbe(page, 'closed-while-loading'), 0, 'CONNECTING until the engine is there');
    await waitFor('the page to ask for the engine', () => server.scripts.includes(ENGINE), WAIT_MS);
    await page.evaluate(() => (window as unknown as Win).probe.es.close());
    assert.equal(await probeState(page), 2, 'close() before the engine: CLOSED at once');
    release();
    // A source made after them opens: the engine ran, and anything it would have sent for the
    // closed ones went to the hub before this one's request (one port, in order).
    await openOther(page, 'after-close');
    assert.deepEqual(await probeLog(page), [], 'a closed source dispatches nothing');
    assert.equal(await probeState(page), 2);
    const upstream = server.liveRequests().map((r) => r.client);
    assert.ok(upstream.includes('after-close'), 'the later source did connect');
    assert.ok(!upstream.includes('closed-at-once') && !upstream.includes('closed-while-loading'), `no request for a closed source (requests: ${JSON.stringify(upstream)})`);
    assert.deepEqual(pageErrors, []);
  } finally {
    release();
    await context.close();
  }
});

for (const withoutSharedWorker of [false, true]) {
  const through = withoutSharedWorker ? 'the native fallback (no SharedWorker)' : 'the hub';
  test(`handlers and listeners set before the engine arrived get the events, through ${through}`, async () => {
    server.scripts.length = 0;
    const client = withoutSharedWorker ? 'early-native' : 'early-hub';
    const release = server.holdScript(ENGINE);
    const { context, page, pageErrors } = await open({ withoutSharedWorker });
    try {
      assert.equal(await startProbe(page, client), 0);
      await waitFor('the page to ask for the engine', () => server.scripts.includes(ENGINE), WAIT_MS);
      assert.deepEqual(await probeLog(page), [], 'nothing before the engine');
      release();
      await waitFor('the source to open', async () => (await probeLog(page)).includes('open@1'), WAIT_MS);
      server.sendLive('data: one\n\n');
      server.sendLive('event: tick\ndata: two\n\n');
      await waitFor('both events', async () => (await probeLog(page)).length >= 3, WAIT_MS);
      assert.deepEqual(await probeLog(page), ['open@1', 'message:one@1', 'tick:two@1']);
      assert.equal(server.liveRequests().filter((r) => r.client === client).length, 1);
      await page.evaluate(() => (window as unknown as Win).probe.es.close());
      assert.deepEqual(pageErrors, []);
    } finally {
      release();
      await context.close();
    }
  });
}

test('without SharedWorker, the native fallback dispatches what a native EventSource does, for every fixture stream', async () => {
  const { context, page, pageErrors } = await open({ withoutSharedWorker: true });
  const run = `fallback${Date.now()}`;
  type FixtureWin = Window & {
    startSource(key: string, kind: string, url: string, listen: readonly string[]): void;
    finish(key: string, ms: number): Promise<unknown[] | null>;
  };
  try {
    // All at once: each fixture's first request streams it, its reconnect gets a 204, so every
    // source ends CLOSED (sse-fixture-server.ts). `client` keeps the two kinds' counts apart.
    for (const fixture of SSE_FIXTURES) {
      for (const kind of ['native', 'shared']) {
        await page.evaluate(
          ([key, k, url, listen]) => (window as unknown as FixtureWin).startSource(key, k, url, listen),
          [`${fixture.name}|${kind}`, kind, `/fixture/${fixture.name}?client=fallback-${kind}&run=${run}`, fixture.listen ?? []] as const,
        );
      }
    }
    for (const fixture of SSE_FIXTURES) {
      const [native, shared] = await Promise.all(
        ['native', 'shared'].map((kind) => page.evaluate(([key, ms]) => (window as unknown as FixtureWin).finish(key, ms), [`${fixture.name}|${kind}`, WAIT_MS] as const)),
      );
      assert.ok(native, `${fixture.name}: the native EventSource did not reach CLOSED`);
      assert.deepEqual(shared, native, `${fixture.name}: SharedEventSource without SharedWorker vs native`);
    }
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('the engine does not load (404): readyState CLOSED, one error event, no request, no unhandled rejection', async () => {
  server.scripts.length = 0;
  server.missing.add(ENGINE);
  const { context, page, pageErrors, consoleErrors } = await open();
  try {
    await startProbe(page, 'no-engine');
    await waitFor('the error event', async () => (await probeLog(page)).length > 0, WAIT_MS);
    // WHATWG HTML §9.2.3 "fail the connection": readyState CLOSED, then `error` — what a native
    // EventSource does when it cannot ever connect (a 404, a wrong Content-Type).
    assert.deepEqual(await probeLog(page), ['error@2']);
    assert.equal(await probeState(page), 2);
    await page.evaluate(() => (window as unknown as Win).probe.es.close()); // a no-op now
    assert.deepEqual(await probeLog(page), ['error@2'], 'one error, nothing after');
    assert.ok(server.scripts.includes(ENGINE), 'the engine was asked for');
    assert.ok(!server.liveRequests().some((r) => r.client === 'no-engine'), 'no upstream request');
    assert.deepEqual(pageErrors, [], 'no uncaught error or unhandled rejection');
    // The developer is told which file to serve.
    assert.ok(consoleErrors.some((text) => text.includes('tabmux-event-source.js did not load')), `console: ${JSON.stringify(consoleErrors)}`);
  } finally {
    server.missing.delete(ENGINE);
    await context.close();
  }
});

test('SharedEventSource and connect() on one page: one client module, the engine once, both deliver', async () => {
  server.scripts.length = 0;
  const { context, page, pageErrors } = await open();
  try {
    await page.evaluate(async ({ pushUrl, moduleUrl }) => {
      const w = window as unknown as Win & { both: { got: string[] } };
      // The same module the page already imported (the fixture page imports /tabmux.js).
      const { connect, SharedEventSource } = (await import(moduleUrl)) as typeof Client;
      const got: string[] = [];
      w.both = { got };
      const es = new SharedEventSource('/live?client=both');
      es.onmessage = (event) => got.push(`es:${(event as MessageEvent).data}`);
      const mux = connect({ url: pushUrl });
      await mux.subscribe('both', (message) => got.push(`mux:${(message.data as { n: number }).n}`)).ready;
      if (es.readyState !== 1) await new Promise((resolve) => es.addEventListener('open', resolve, { once: true }));
    }, { pushUrl: push.url, moduleUrl: '/tabmux.js' });
    server.sendLive('data: live\n\n');
    await push.server.publish('both', { n: 1 });
    const got = await waitFor(
      'both deliveries',
      async () => {
        const seen = await page.evaluate(() => (window as unknown as { both: { got: string[] } }).both.got);
        return seen.length >= 2 && seen;
      },
      WAIT_MS,
    );
    assert.deepEqual([...got].sort(), ['es:live', 'mux:1']);
    assert.equal(server.scripts.filter((path) => path === '/tabmux.js').length, 1, `one client module (scripts: ${JSON.stringify(server.scripts)})`);
    assert.deepEqual(
      server.scripts.filter((path) => path !== '/tabmux.js' && path !== '/tabmux-worker.js'),
      [ENGINE],
      'the only module loaded on demand is the engine, once (the hub of connect() is a SharedWorker here)',
    );
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});
