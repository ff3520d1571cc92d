// The demo (server/demo) opened in 12 tabs of one browser must "just work": live prices in every
// widget, the chat reaching every tab, one upstream at the server, and each tab saying so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startPushAndChromium } from '../helpers/e2e-fixture.js';
import { readMetric } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';
import { startPriceSimulator } from '../../server/demo/simulator.js';

test('the demo in 12 tabs: prices and chat in every tab over one connection', async (t) => {
  const { push, browser } = await startPushAndChromium(t);
  const stop = startPriceSimulator(push.server, { intervalMs: 100 });
  t.after(stop);
  const context = await browser.newContext();
  const tabs: Page[] = [];
  for (let i = 0; i < 12; i++) {
    const page = await context.newPage();
    page.on('pageerror', (error) => assert.fail(`demo tab ${i}: ${error.message}`));
    await page.goto(`${push.url}/`);
    tabs.push(page);
  }
  await waitFor('every tab to say that 12 tabs share 1 connection', async () => {
    const lines = await Promise.all(tabs.map((page) => page.textContent('#share')));
    return lines.every((line) => /12 tabs share 1 sse connection/.test(line ?? ''));
  }, 20_000);
  assert.equal(await readMetric(push.url, 'tabmux_connections'), 1, 'one upstream connection for 12 tabs');
  await waitFor('live prices in every widget of every tab', async () => {
    const idle = await Promise.all(tabs.map((page) => page.locator('td.price.idle').count()));
    return idle.every((n) => n === 0);
  }, 20_000);
  await tabs[4]!.fill('#chat-form input', 'hello from tab 5');
  await tabs[4]!.click('#chat-form button');
  await waitFor('the chat line in every tab', async () => {
    const logs = await Promise.all(tabs.map((page) => page.textContent('#chat-log')));
    return logs.every((log) => log?.includes('hello from tab 5'));
  });
});
