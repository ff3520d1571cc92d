/**
 * The live status page in real Chromium, with real traffic: two browser profiles of tabs (one
 * over SSE, one over WebSocket, each sharing ONE upstream connection through its SharedWorker
 * hub), messages published on two channels. The page, opened with `?key=` as a human would,
 * must render under its CSP without a violation, show numbers matching that traffic, refresh
 * itself (meta refresh, no script) when more is published, and look like something: the
 * screenshot is decoded (by Chromium's own image decoder) and must be the viewport's size with
 * many colours, where a blank page has one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { e2eFixture } from '../helpers/e2e-fixture.js';
import { openTabs, range, received } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';

const KEY = 'e2e-status-publish-key';
const VIEWPORT = { width: 1200, height: 800 };

const { push, pages, browser } = e2eFixture({ server: { status: true, publishKey: KEY, nodeId: 'e2e-node' } });

/** Width, height and number of distinct RGBA values of a PNG, decoded in the browser. */
async function decode(decoder: Page, png: Buffer): Promise<{ width: number; height: number; colours: number }> {
  return decoder.evaluate(async (base64) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d')!;
    context.drawImage(bitmap, 0, 0);
    const data = new Uint32Array(context.getImageData(0, 0, bitmap.width, bitmap.height).data.buffer);
    return { width: bitmap.width, height: bitmap.height, colours: new Set(data).size };
  }, png.toString('base64'));
}

const text = async (page: Page, id: string): Promise<string> => ((await page.textContent(`#${id}`)) ?? '').trim();

test('the status page renders the real traffic, refreshes itself, and its screenshot is a real picture', async () => {
  const tab = (transport: string, channels: string) => `${pages.url}/pages/tab.html?server=${encodeURIComponent(push.url)}&channels=${channels}&transport=${transport}`;
  const sseProfile = await browser.newContext();
  const wsProfile = await browser.newContext();
  const viewer = await browser.newContext({ viewport: VIEWPORT });
  try {
    const sseTabs = await openTabs(sseProfile, 3, () => tab('sse', 'prices'));
    const wsTabs = await openTabs(wsProfile, 2, () => tab('ws', 'prices,news'));
    const headers = { Authorization: `Bearer ${KEY}` };
    const status = async () => (await (await fetch(`${push.url}/status.json`, { headers })).json()) as { connections: Record<string, number> };
    await waitFor('one SSE and one WebSocket upstream (one per profile)', async () => {
      const c = (await status()).connections;
      return c.sse === 1 && c.ws === 1 && c.total === 2;
    });

    for (const n of range(40)) await push.server.publish('prices', { n });
    for (const n of range(10)) await push.server.publish('news', { n });
    await waitFor(
      'every tab to have its messages',
      async () => {
        const all = await Promise.all([...sseTabs, ...wsTabs].map(received));
        return all.every((r) => r.prices?.length === 40) && (await Promise.all(wsTabs.map(received))).every((r) => r.news?.length === 10);
      },
      30_000,
    );

    const page = await viewer.newPage();
    const violations: string[] = [];
    page.on('console', (m) => /Content.Security.Policy|Refused to/i.test(m.text()) && violations.push(m.text()));
    page.on('pageerror', (e) => violations.push(e.message));
    const response = await page.goto(`${push.url}/status?key=${encodeURIComponent(KEY)}`);
    assert.equal(response?.status(), 200);
    await page.waitForSelector('#connections-total', { timeout: 20_000 });

    assert.equal(await text(page, 'node-id'), 'e2e-node');
    assert.equal(await text(page, 'broker-kind'), 'memory');
    assert.equal(await text(page, 'broker-health'), 'healthy');
    assert.equal(await text(page, 'connections-total'), '2', '5 tabs, 2 upstream connections');
    assert.equal(await text(page, 'connections-sse'), '1');
    assert.equal(await text(page, 'connections-ws'), '1');
    assert.equal(await text(page, 'connections-poll'), '0');
    assert.equal(await text(page, 'channels-count'), '2');
    assert.equal(await text(page, 'subscriptions'), '3', 'SSE: prices; WebSocket: prices and news');
    assert.equal(await text(page, 'published-total'), '50');
    assert.equal(await text(page, 'delivered-total'), '90', 'prices to 2 upstreams (80) + news to 1 (10): once per connection, not per tab');
    assert.equal(await text(page, 'slow-consumers'), '0');
    assert.equal(await text(page, 'refused-total'), '0');
    const firstRow = (await page.locator('#top-subscribers tbody tr').first().locator('td').allTextContents()).map((s) => s.trim());
    assert.deepEqual(firstRow.slice(0, 2), ['prices', '2']);
    const rateRows = await page.locator('#top-rate tbody tr td.name').allTextContents();
    assert.deepEqual(rateRows, ['prices', 'news'], 'busiest channel first');

    const screenshot = await page.screenshot();
    const file = join(tmpdir(), `tabmux-status-page-${process.pid}.png`);
    writeFileSync(file, screenshot);
    const blankPage = await viewer.newPage();
    await blankPage.goto('about:blank');
    const blank = await decode(blankPage, await blankPage.screenshot());
    const shot = await decode(blankPage, screenshot);
    assert.equal(blank.colours, 1, 'the baseline: a blank page is one colour');
    assert.deepEqual({ width: shot.width, height: shot.height }, VIEWPORT, `the screenshot (${file}) is the viewport`);
    assert.ok(shot.colours > 20, `the screenshot (${file}) has text and tiles, not one flat colour: ${shot.colours} colours`);

    // More traffic: the page shows it without being told to reload (meta refresh).
    for (const n of range(5)) await push.server.publish('news', { n: 10 + n });
    await waitFor('the page to refresh itself and show 55 published', async () => (await text(page, 'published-total').catch(() => '')) === '55', 20_000);
    assert.deepEqual(violations, [], 'no CSP violation or page error');
  } finally {
    await viewer.close();
    await wsProfile.close();
    await sseProfile.close();
  }
});
