// Tokens (`connect({ token })`, README section "Tokens in the browser"): the hub sends the tab's
// JWT upstream (Authorization on SSE, long-poll and publish; the first frame, {"op":"auth"}, on
// the WebSocket), and on a 401 asks the tabs for a fresh one and reconnects with it at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { debugOf } from '../helpers/page-debug.js';
import { range, received } from '../helpers/browser.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

const SECRET = 'an-hs256-test-secret-of-32-bytes-at-least!';
const sign = (expiresAt: number) =>
  new SignJWT({ tabmux: { subscribe: ['private:*'], publish: ['private:*'] } })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(SECRET));

const { push, pages, browser } = e2eFixture({ server: { jwtSecret: SECRET, retry: 50 } });

for (const transport of ['sse', 'ws', 'poll'] as const) {
  test(`${transport}: an expired token is refused (HTTP: TABMUX_ERR_UNAUTHORIZED to the tab); a fresh one from the token function connects at once; publish and delivery work`, async () => {
    const channel = `private:${transport}`;
    const context = await browser.newContext();
    try {
      const expired = await sign(Math.floor(Date.now() / 1000) - 60);
      const page = await context.newPage();
      await page.goto(`${pages.url}/pages/tab.html?server=${encodeURIComponent(push.url)}&channels=${channel}&transport=${transport}&token=${expired}`);
      if (transport === 'ws') {
        // A browser hides a refused upgrade's status: the hub only sees the socket fail, backs off.
        await waitFor('the refused WebSocket to put the hub in backoff', async () => (await debugOf<{ upstream: string }>(page)).upstream === 'backoff');
      } else {
        await waitFor('the tab to be told its token was refused', async () => (await page.evaluate(() => (window as unknown as { errors: string[] }).errors)).includes('TABMUX_ERR_UNAUTHORIZED'));
      }
      assert.equal(await page.evaluate(() => (window as unknown as { mux: { state: string } }).mux.state), 'connecting');
      const fresh = await sign(Math.floor(Date.now() / 1000) + 3600);
      await page.evaluate((token) => ((window as unknown as { currentToken: string }).currentToken = token), fresh);
      await withTimeout(page.evaluate(() => (window as unknown as { tabReady: Promise<void> }).tabReady), 20_000, 'the tab to subscribe with the fresh token');
      for (const n of range(5)) {
        await page.evaluate(([c, value]) => (window as unknown as { mux: { publish(c: string, d: unknown): Promise<unknown> } }).mux.publish(c as string, { n: value }), [channel, n] as const);
      }
      await waitFor('the 5 messages the tab published', async () => (await received(page))[channel]?.length === 5);
      assert.deepEqual((await received(page))[channel], range(5));
    } finally {
      await context.close();
    }
  });
}
