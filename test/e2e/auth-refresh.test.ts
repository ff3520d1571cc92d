// Token refresh in the hub, in real Chromium: 4 tabs share one hub whose tokens live
// 4 s. The token function is called by ONE tab per token (single flight across the tabs, before
// expiry), the server ends each stream when its token ends, and every tab still receives every
// message, in order, none twice. A token function that gives nothing puts every tab in a clear
// error (TABMUX_ERR_UNAUTHORIZED); the hub asks one tab per connection attempt, paced by its backoff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { SignJWT } from 'jose';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { debugOf } from '../helpers/page-debug.js';
import { received } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';

const SECRET = 'auth-refresh-e2e-secret-of-32-bytes-or-more';
const LIFETIME_S = 4;
const TABS = 4;

/** Every request line the push server saw: a token must never travel in a URL from the hub. */
const urls: string[] = [];
const { push, pages, browser } = e2eFixture({
  server: { jwtSecret: SECRET, jwtClockTolerance: 0, retry: 50 },
  withPush: (started) => {
    started.server.httpServer!.prependListener('request', (req) => urls.push(req.url ?? ''));
    started.server.httpServer!.prependListener('upgrade', (req) => urls.push(req.url ?? ''));
  },
});

/** Tokens with exp every LIFETIME_S seconds from now: the page's token function hands out the first not about to end. */
async function tokenSchedule(count: number): Promise<{ token: string; exp: number }[]> {
  const start = Math.floor(Date.now() / 1000);
  const key = new TextEncoder().encode(SECRET);
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const exp = start + LIFETIME_S * (i + 1);
      const token = await new SignJWT({ tabmux: { subscribe: ['feed'] } }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(key);
      return { token, exp };
    }),
  );
}

/** tab.html's token function reads window.currentToken: a getter that counts calls. */
function installTokenFunction(schedule: { token: string; exp: number }[] | 'none') {
  return (page: Page) =>
    page.addInitScript((list) => {
      const w = window as unknown as { tokenCalls: string[] };
      w.tokenCalls = [];
      Object.defineProperty(window, 'currentToken', {
        get() {
          if (list === 'none') {
            w.tokenCalls.push('none');
            return '';
          }
          // The first token that still has more than a second to live.
          const now = Date.now() / 1000;
          const pick = list.find((t) => t.exp - now > 1) ?? list[list.length - 1]!;
          w.tokenCalls.push(pick.token);
          return pick.token;
        },
      });
    }, schedule);
}

const tokenCalls = (page: Page) => page.evaluate(() => (window as unknown as { tokenCalls: string[] }).tokenCalls);
const tabUrl = (transport: string) => `${pages.url}/pages/tab.html?server=${encodeURIComponent(push.url)}&channels=feed&transport=${transport}&token=placeholder`;

for (const transport of ['sse', 'ws', 'poll'] as const) {
  test(`${transport}: 4 tabs, the token function is called once per token lifetime, and the stream continues without loss`, async () => {
    const context = await browser.newContext();
    try {
      const schedule = await tokenSchedule(12);
      const tabs: Page[] = [];
      for (let i = 0; i < TABS; i++) {
        const page = await context.newPage();
        await installTokenFunction(schedule)(page);
        await page.goto(tabUrl(transport));
        await waitFor(`tab ${i} subscribed`, () => page.evaluate(() => (window as unknown as { tabReady: Promise<void> }).tabReady.then(() => true)), 20_000);
        tabs.push(page);
      }
      // Publish, each message awaited in every tab, until three tokens were handed out (two
      // refreshes before expiry, each across all four tabs), bounded.
      let n = 0;
      const deadline = Date.now() + 30_000;
      const calls = async () => (await Promise.all(tabs.map(tokenCalls))).flat();
      while ((await calls()).length < 3) {
        assert.ok(Date.now() < deadline, `only ${(await calls()).length} token calls after 30 s of 4 s tokens`);
        const value = ++n;
        await push.server.publish('feed', { n: value });
        await waitFor(`message ${value} in every tab`, async () => (await Promise.all(tabs.map(received))).every((r) => r.feed?.at(-1) === value), 15_000);
      }
      const all = await calls();
      assert.equal(new Set(all).size, all.length, `each token was asked for once, by one tab (${all.length} calls)`);
      for (const page of tabs) assert.deepEqual((await received(page)).feed, Array.from({ length: n }, (_, i) => i + 1), 'every message once, in order');
      const errors = await Promise.all(tabs.map((p) => p.evaluate(() => (window as unknown as { errors: string[] }).errors)));
      assert.deepEqual(errors.flat(), [], 'no 401 surfaced: tokens were refreshed before they ended');
      assert.ok(urls.length > 0 && !urls.some((u) => /[?&]token=/.test(u)), 'the token travels in headers or the first WebSocket frame, never the URL');
      if (transport === 'ws') {
        const debug = await debugOf<{ connects: number }>(tabs[0]!);
        assert.equal(debug.connects, 1, 'the WebSocket took each new token in place: never reconnected');
      }
    } finally {
      await context.close();
    }
  });
}

test('a token function that gives nothing: every tab gets TABMUX_ERR_UNAUTHORIZED; one tab is asked per connection attempt, paced by the backoff', async () => {
  const context = await browser.newContext();
  try {
    const tabs: Page[] = [];
    for (let i = 0; i < TABS; i++) {
      const page = await context.newPage();
      await installTokenFunction('none')(page);
      await page.goto(tabUrl('sse'));
      tabs.push(page);
    }
    await waitFor('every tab to be told', async () =>
      (await Promise.all(tabs.map((p) => p.evaluate(() => (window as unknown as { errors: string[] }).errors)))).every((e) => e.includes('TABMUX_ERR_UNAUTHORIZED')),
    );
    for (const page of tabs) assert.equal(await page.evaluate(() => (window as unknown as { mux: { state: string } }).mux.state), 'connecting');
    const calls = (await Promise.all(tabs.map(tokenCalls))).flat();
    const debug = await debugOf<{ upstream: string; connects: number }>(tabs[0]!);
    assert.ok(['backoff', 'connecting'].includes(debug.upstream), debug.upstream);
    // One ask per connection attempt at most (4 tabs each asking would be 4 per attempt).
    assert.ok(calls.length <= debug.connects + 1, `${calls.length} token calls for ${debug.connects} connection attempts`);
  } finally {
    await context.close();
  }
});
