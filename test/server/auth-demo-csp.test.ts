/**
 * The demo page under its Content-Security-Policy, in real Chromium: no CSP violation, the inline
 * module runs, the hub script starts from this origin, prices arrive and the chat round-trips.
 * And the headers themselves: CSP without unsafe-inline, nosniff, no framing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from '../helpers/chromium.js';
import { startServer } from '../helpers/server.js';
import { assertBuilt } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';
import { startPriceSimulator } from '../../server/demo/simulator.js';
import { request } from '../helpers/server-clients.js';

test('the demo works under its CSP (no violations) and is served with security headers', async (t) => {
  assertBuilt();
  const push = await startServer();
  const stop = startPriceSimulator(push.server, { intervalMs: 100 });
  const browser = await launchChromium();
  t.after(async () => {
    stop();
    await browser.close();
    await push.close();
  });
  const res = await request(`${push.url}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'] ?? '', /^text\/html/);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['x-frame-options'], 'DENY');
  const csp = String(res.headers['content-security-policy'] ?? '');
  assert.match(csp, /script-src 'self' 'sha256-/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);

  const page = await (await browser.newContext()).newPage();
  const violations: string[] = [];
  page.on('console', (m) => /Content.Security.Policy|Refused to/i.test(m.text()) && violations.push(m.text()));
  page.on('pageerror', (e) => violations.push(e.message));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`Refused to load: CSP ${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${push.url}/`);
  await waitFor('the demo to connect', async () => /share 1 \w+ connection/.test((await page.textContent('#share')) ?? ''), 20_000);
  await waitFor('live prices', async () => (await page.locator('td.price.idle').count()) === 0, 20_000);
  await page.fill('#chat-form input', 'csp ok');
  await page.click('#chat-form button');
  await waitFor('the chat line', async () => (await page.textContent('#chat-log'))?.includes('csp ok'));
  assert.deepEqual(violations, [], 'no CSP violation or page error');
});
