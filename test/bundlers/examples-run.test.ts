/**
 * The numbered examples run as documented (`node examples/NN-…/server.js`), each as its own
 * process on a free port, and do what their README line says, in real Chromium with two tabs:
 * messages reach both tabs and the server holds ONE upstream connection for the two; and a
 * published value that is markup shows as text in both tabs (helpers/hostile-markup.ts). Example 06 renders
 * what its own SSE route sends, which no publisher reaches; 07 is React, which escapes what it
 * renders; 08 and 09 are proven by the bundler tests (helpers/bundled-page-proof.ts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { readMetric } from '../helpers/browser.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { launchChromium } from '../helpers/chromium.js';
import { startRedisServer } from '../helpers/redis.js';
import { json, openSse } from '../helpers/mount-proof.js';
import { HOSTILE_MARKUP, assertRenderedAsText } from '../helpers/hostile-markup.js';
import { freePort } from '../helpers/free-port.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let browser: Browser;

before(async () => {
  for (const file of ['dist/index.js', 'dist/worker.js', 'dist/server/index.js']) {
    if (!existsSync(`${root}/${file}`)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
  browser = await launchChromium();
});
after(() => browser?.close());

interface Running {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node <script>` with PORT set; resolves once it printed its "open http://…" line. */
async function runExample(script: string, env: Record<string, string> = {}): Promise<Running> {
  const port = await freePort();
  const child = spawn(process.execPath, [script], { cwd: root, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += String(chunk);
        if (output.includes(`http://127.0.0.1:${port}/`)) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => (output += String(chunk)));
      void exited.then(() => reject(new Error(`${script} exited early:\n${output}`)));
    }),
    15_000,
    `${script} to start (output: ${output})`,
  );
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: async () => {
      child.kill('SIGINT'); // the examples close gracefully on SIGINT
      await withTimeout(exited, 10_000, `${script} to exit on SIGINT`);
    },
  };
}

/**
 * Runs the example `script`, opens two tabs of one browser context at its `/`, and runs `prove`
 * on them; then closes the tabs and stops the example.
 */
async function inTwoTabs(script: string, prove: (pages: Page[], url: string) => Promise<void>): Promise<void> {
  const example = await runExample(script);
  try {
    const context = await browser.newContext();
    const pages = [await context.newPage(), await context.newPage()];
    for (const page of pages) await page.goto(`${example.url}/`);
    await prove(pages, example.url);
    await context.close();
  } finally {
    await example.stop();
  }
}

/** What every example with tabs promises: the push server at `base` holds one upstream connection for the two. */
async function assertOneUpstream(base: string): Promise<void> {
  assert.equal(await readMetric(base, 'tabmux_connections'), 1, 'two tabs, one upstream connection');
}

const items = (page: Page, selector: string) => page.locator(selector).allTextContents();

/** Publishes with POST /publish on an open example server, as any publisher could. */
async function publish(base: string, channel: string, data: unknown): Promise<void> {
  const answer = await fetch(`${base}/publish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel, data }) });
  assert.equal(answer.status, 200, await answer.text());
}

/** Every tab of `pages` shows the hostile markup under `selector` as text, and nothing of it parsed. */
async function assertAllAsText(pages: Page[], selector: string, example: string): Promise<void> {
  for (const [i, page] of pages.entries()) await assertRenderedAsText(page, selector, `${example} tab ${i}`);
}

test('01-basic: ticks reach two tabs over one upstream connection; published markup shows as text', () =>
  inTwoTabs('examples/01-basic/server.js', async (pages, url) => {
    for (const [i, page] of pages.entries()) await waitFor(`tab ${i} to list ticks`, async () => (await items(page, '#log li')).length >= 2);
    await assertOneUpstream(url);
    await publish(url, 'ticks', { t: HOSTILE_MARKUP });
    await assertAllAsText(pages, '#log li', '01');
  }));

test('02-dashboard: simulated prices fill the demo widgets of two tabs over one upstream connection; chat markup shows as text', () =>
  inTwoTabs('examples/02-dashboard/server.js', async (pages, url) => {
    for (const [i, page] of pages.entries()) {
      await waitFor(`tab ${i} to show an AAPL price`, async () => /^\d+\.\d\d$/.test((await page.locator('[data-symbol="AAPL"] .price').textContent()) ?? ''));
    }
    await assertOneUpstream(url);
    await publish(url, 'chat:lobby', { text: HOSTILE_MARKUP, at: Date.now() });
    await assertAllAsText(pages, '#chat-log div', '02');
  }));

test('03-chat: a message published from one tab reaches both; published markup shows as text', () =>
  inTwoTabs('examples/03-chat/server.js', async (pages, url) => {
    await waitFor('both tabs to be open', async () => (await Promise.all(pages.map((p) => p.locator('#state').textContent()))).every((s) => s === 'open'));
    await pages[0]!.fill('input[name=name]', 'ann');
    await pages[0]!.fill('input[name=text]', 'hello, tabs');
    await pages[0]!.click('button');
    for (const [i, page] of pages.entries()) await waitFor(`tab ${i} to show the message`, async () => (await items(page, '#log li')).includes('ann: hello, tabs'));
    await assertOneUpstream(url);
    await publish(url, 'chat:lobby', { name: HOSTILE_MARKUP, text: HOSTILE_MARKUP });
    await assertAllAsText(pages, '#log li', '03');
  }));

/** Examples 04 and 10: tabmux under /realtime of an app whose POST /api/orders publishes to `orders`. */
async function ordersReachBothTabs(pages: Page[], url: string, example: string): Promise<void> {
  // Each page subscribes at load and says so once its subscription is ready: an order posted
  // before a tab's subscription is ready is, rightly, not that tab's.
  await waitFor('both tabs to be listening for orders', async () => (await Promise.all(pages.map((p) => p.locator('#state').textContent()))).every((s) => s === 'listening for orders'));
  assert.ok((await readMetric(`${url}/realtime`, 'tabmux_subscriptions')) >= 1, 'the upstream carries orders');
  const answer = await fetch(`${url}/api/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item: 'tea' }) });
  assert.equal(answer.status, 200);
  for (const [i, page] of pages.entries()) await waitFor(`tab ${i} to list the order`, async () => (await items(page, '#orders li')).some((t) => t.includes('tea')));
  await assertOneUpstream(`${url}/realtime`);
  const hostile = await fetch(`${url}/api/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item: HOSTILE_MARKUP }) });
  assert.equal(hostile.status, 200);
  await assertAllAsText(pages, '#orders li', example);
}

test('04-express-mount: an order posted to the Express app reaches both tabs through /realtime; markup in it shows as text', () =>
  inTwoTabs('examples/04-express-mount/server.js', (pages, url) => ordersReachBothTabs(pages, url, '04')));

test('10-hono: an order posted to the Hono app reaches both tabs through push.fetch under /realtime; markup in it shows as text', () =>
  inTwoTabs('examples/10-hono/server.js', (pages, url) => ordersReachBothTabs(pages, url, '10')));

test('05-redis-two-nodes: published on node A, delivered on node B, a poll on A resumes after the id B delivered', async () => {
  const redis = await startRedisServer();
  const nodes: Running[] = [];
  try {
    nodes.push(await runExample('examples/05-redis-two-nodes/node.js', { REDIS_URL: redis.url }));
    nodes.push(await runExample('examples/05-redis-two-nodes/node.js', { REDIS_URL: redis.url }));
    const [a, b] = nodes.map((node) => ({ origin: node.url, prefix: '' })) as [{ origin: string; prefix: string }, { origin: string; prefix: string }];
    const onB = await openSse(b, ['news']);
    await onB.events.next((e) => e.event === '$open', 'node B\'s stream to be live');
    const first = await json(a, 'POST', '/publish', { channel: 'news', data: 'one' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const seen = await onB.events.next((e) => e.event === 'news', 'the message published on A to reach B');
    assert.equal(seen.id, (first.body as { id: string }).id);
    assert.equal(seen.data, '"one"');
    onB.close();

    const second = await json(b, 'POST', '/publish', { channel: 'news', data: 'two' });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    // Resume on the other node with the id node B delivered: exactly what came after it.
    const resume = await json(a, 'GET', `/poll?channel=news&lastEventId=${encodeURIComponent(seen.id!)}&timeout=1`);
    assert.equal(resume.status, 200, JSON.stringify(resume.body));
    assert.deepEqual((resume.body as { messages: unknown[] }).messages, [{ channel: 'news', id: (second.body as { id: string }).id, data: 'two' }], 'node A resumes exactly after the id node B delivered');
  } finally {
    for (const node of nodes) await node.stop();
    await redis.dispose();
  }
});

test('06-shared-event-source: two tabs, one request to a plain SSE route', () =>
  inTwoTabs('examples/06-shared-event-source/server.js', async (pages, url) => {
    for (const [i, page] of pages.entries()) await waitFor(`tab ${i} to list ticks`, async () => (await items(page, '#log li')).length >= 2);
    const { upstreams } = (await (await fetch(`${url}/stats`)).json()) as { upstreams: number };
    assert.equal(upstreams, 1, 'two tabs, one upstream request');
  }));
