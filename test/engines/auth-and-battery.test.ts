// Token refresh across tabs and pausing while hidden (README, "Tokens in the browser" and "Battery
// and network"), the same test body in Chromium, Firefox and WebKit:
//  - 3 tabs share one hub whose tokens live 4 s; the token function fetches each token from the
//    test's token endpoint. ONE tab is asked per token, before it ends (single flight across the
//    tabs), and every tab gets every message once, in order, with no error surfaced.
//  - pauseWhenHidden: 1 s. Two of three windows minimised: one visible tab keeps the upstream; all
//    three: 0 connections at the server, `paused` in every tab; one shown again: one upstream, and
//    what was published meanwhile arrives once, in order, in every tab, the hidden ones too.
// Every engine here lets a test hide a page (its window minimised); freezing a page and the
// back/forward cache are driven in Chromium only (test/e2e/battery-*.test.ts): the DevTools protocol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { SignJWT } from 'jose';
import { readMetric, range } from '../helpers/browser.js';
import { eachEngine } from '../helpers/engines/engine-suite.js';
import { debugOf, errorsOf, openTabs, received, visibilityOf } from '../helpers/engines/tabs.js';
import type { EngineTab } from '../helpers/engines/types.js';
import { listenLocal, type LocalServer } from '../helpers/local-http.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const SECRET = 'engines-auth-secret-of-32-bytes-or-more';
const LIFETIME_S = 4;
/** A token handed out lives at least this long: time for the hub to connect with it on a loaded machine. */
const MARGIN_S = 2;

interface TokenServer extends LocalServer {
  /** Tokens with exp every LIFETIME_S seconds from now; hands out the first with more than MARGIN_S to live. */
  schedule(count: number): Promise<void>;
  /** Every token handed out, in order. */
  readonly handed: string[];
}

/** The app's token endpoint: any origin may fetch it (the pages are on another origin). */
async function startTokenServer(): Promise<TokenServer> {
  let tokens: { token: string; exp: number }[] = [];
  const handed: string[] = [];
  const server = http.createServer((_req, res) => {
    const now = Date.now() / 1000;
    const pick = tokens.find((t) => t.exp - now > MARGIN_S) ?? tokens.at(-1);
    if (pick) handed.push(pick.token);
    res.writeHead(pick ? 200 : 503, { 'access-control-allow-origin': '*', 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(pick?.token ?? '');
  });
  const listening = await listenLocal(server);
  return Object.assign(listening, {
    handed,
    async schedule(count: number) {
      const start = Math.floor(Date.now() / 1000);
      const key = new TextEncoder().encode(SECRET);
      handed.length = 0;
      tokens = await Promise.all(
        range(count).map(async (i) => {
          const exp = start + LIFETIME_S * (i + 1);
          return { exp, token: await new SignJWT({ tabmux: { subscribe: ['feed'] } }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(key) };
        }),
      );
    },
  });
}

eachEngine<TokenServer>({ server: { jwtSecret: SECRET, jwtClockTolerance: 0, retry: 50 }, front: startTokenServer }, ({ name, engine, push, pages, front: tokens }) => {
  const tabUrl = (query: string) => `${pages.url}/pages/tab.html?server=${encodeURIComponent(push.url)}&transport=sse&host=shared-worker&${query}`;

  test(`${name}: 3 tabs, ${LIFETIME_S} s tokens: one tab asked per token, before it ends; every message once, in order`, { timeout: 180_000 }, async () => {
    await tokens.schedule(12);
    const context = await engine.newContext();
    try {
      const tabs = await openTabs(context, 3, () => tabUrl(`channels=feed&tokenFrom=${encodeURIComponent(`${tokens.url}/token`)}`));
      // Publish, each message awaited in every tab, until three tokens were handed out (two
      // refreshes before expiry, each for all three tabs), bounded.
      let n = 0;
      const deadline = Date.now() + 40_000;
      while (tokens.handed.length < 3) {
        assert.ok(Date.now() < deadline, `only ${tokens.handed.length} tokens asked for after 40 s of ${LIFETIME_S} s tokens`);
        const value = ++n;
        await push.server.publish('feed', { n: value });
        await waitFor(`message ${value} in every tab`, async () => (await Promise.all(tabs.map(received))).every((r) => r.feed?.at(-1) === value), 15_000, 100);
      }
      assert.equal(new Set(tokens.handed).size, tokens.handed.length, `each token was asked for once, by one tab (${tokens.handed.length} asks)`);
      for (const [i, tab] of tabs.entries()) assert.deepEqual((await received(tab)).feed, range(n).map((k) => k + 1), `tab ${i}: every message once, in order`);
      assert.deepEqual((await Promise.all(tabs.map(errorsOf))).flat(), [], 'no 401 surfaced: each token was refreshed before it ended');
    } finally {
      await context.close();
    }
  });

  test(`${name}: every tab hidden → paused, 0 upstreams; one shown → one upstream, what was published meanwhile arrives once in every tab`, { timeout: 180_000 }, async (t) => {
    const channel = 'hidden';
    // A push server of its own, without auth: a token's end would reconnect too.
    const open = await startServer({ retry: 50 });
    t.after(() => open.close());
    const context = await engine.newContext();
    const states = (tab: EngineTab) => tab.evaluate(() => (window as unknown as { mux: { state: string } }).mux.state);
    try {
      const tabs = await openTabs(context, 3, () => `${pages.url}/pages/tab.html?server=${encodeURIComponent(open.url)}&transport=sse&host=shared-worker&channels=${channel}&pause=1`);
      await waitFor('one upstream for three tabs', async () => (await readMetric(open.url, 'tabmux_connections')) === 1, 20_000);
      await open.server.publish(channel, { n: 0 });
      await waitFor('message 0 in every tab', async () => (await Promise.all(tabs.map(received))).every((r) => r[channel]?.length === 1), 15_000);

      for (const tab of tabs.slice(0, 2)) await tab.setHidden(true);
      for (const tab of tabs.slice(0, 2)) await waitFor('the minimised page to report hidden', async () => (await visibilityOf(tab)) === 'hidden', 10_000);
      await new Promise((resolve) => setTimeout(resolve, 2000)); // longer than pauseWhenHidden: nothing may change
      assert.equal(await readMetric(open.url, 'tabmux_connections'), 1, 'one visible tab keeps the upstream');
      const { connects } = await debugOf<{ connects: number }>(tabs[2]!);

      await tabs[2]!.setHidden(true);
      await waitFor('the third page to report hidden', async () => (await visibilityOf(tabs[2]!)) === 'hidden', 10_000);
      await waitFor('0 upstream connections (every tab hidden for pauseWhenHidden)', async () => (await readMetric(open.url, 'tabmux_connections')) === 0, 20_000);
      await waitFor('every tab to say paused', async () => (await Promise.all(tabs.map(states))).every((state) => state === 'paused'), 10_000);
      for (let n = 1; n <= 5; n++) await open.server.publish(channel, { n });

      await tabs[1]!.setHidden(false);
      await waitFor('the shown page to report visible', async () => (await visibilityOf(tabs[1]!)) === 'visible', 10_000);
      await waitFor('one upstream again', async () => (await readMetric(open.url, 'tabmux_connections')) === 1, 20_000);
      await waitFor('messages 0..5 in every tab', async () => (await Promise.all(tabs.map(received))).every((r) => (r[channel]?.length ?? 0) >= 6), 20_000, 100);
      for (const [i, tab] of tabs.entries()) assert.deepEqual((await received(tab))[channel], range(6), `tab ${i}: every message once, in order`);
      assert.equal((await debugOf<{ connects: number }>(tabs[1]!)).connects, connects + 1, 'exactly one reconnect');
    } finally {
      await context.close();
    }
  });
});
