/**
 * Deployed as README (Deploying) says: Debian's nginx with TLS and HTTP/2 (examples/deploy's
 * config), two tabmux-server nodes on one redis-server configured by environment only, and
 * Chromium tabs over https. One upstream stream per browser, arrived over HTTP/2; a rolling
 * restart of BOTH nodes (SIGTERM, drain, start again) while messages are published: every tab
 * gets every message once, in order; during each drain /health is 503 and /health/live 200;
 * each node exits within its bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.js';
import { assertBuilt, openTabs, range, readMetric, received } from '../helpers/browser.js';
import { freePort, startNginx } from '../helpers/nginx.js';
import type { Nginx } from '../helpers/nginx.js';
import { startRedisServer } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';
import { publish, request } from '../helpers/server-clients.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

const CLI = fileURLToPath(new URL('../../server/cli.ts', import.meta.url));
const TABS = 4;
const DRAIN_DELAY = 2;
const DRAIN_SPREAD = 1;
/** drain delay + spread + closeTimeout (5 s) + 1 s: what the CLI promises. */
const EXIT_BOUND_MS = (DRAIN_DELAY + DRAIN_SPREAD + 6) * 1000;

interface Node {
  readonly port: number;
  readonly url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/** A node configured by environment only: no flag at all. */
async function startNode(port: number, redisUrl: string): Promise<Node> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      TABMUX_PORT: String(port),
      TABMUX_REDIS: redisUrl,
      TABMUX_TRUST_PROXY: '1',
      TABMUX_DRAIN_DELAY: String(DRAIN_DELAY),
      TABMUX_DRAIN_SPREAD: String(DRAIN_SPREAD),
      TABMUX_RETRY: '200',
      TABMUX_HEARTBEAT: '5',
    },
  });
  child.stderr!.on('data', () => undefined);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`node ${port} to be ready`, async () => (await request(`${url}/health`).catch(() => ({ status: 0 }))).status === 200, 20_000, 100);
  return { port, url, child, exited };
}

test('nginx (TLS, HTTP/2) + Redis + two nodes by environment: a rolling restart of both loses and repeats nothing (SSE)', async (t) => {
  assertBuilt();
  const redis: RedisServer = await startRedisServer();
  t.after(() => redis.dispose());
  const nodes = [await startNode(await freePort(), redis.url), await startNode(await freePort(), redis.url)];
  t.after(() => nodes.forEach((n) => n.child.exitCode === null && n.child.kill('SIGKILL')));
  const nginx: Nginx = await startNginx(nodes.map((n) => n.port));
  t.after(() => nginx.stop());
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, '--ignore-certificate-errors'], timeout: 30_000 });
  t.after(() => browser.close());

  const channel = 'deploy-sse';
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  t.after(() => context.close());
  const tabs = await openTabs(context, TABS, () => `${nginx.url}/pages/tab.html?server=${encodeURIComponent(nginx.url)}&channels=${channel}&transport=sse`);
  const sseStreams = async () => (await Promise.all(nodes.map((n) => readMetric(n.url, 'tabmux_connections', '{transport="sse"}')))).reduce((a, b) => a + b, 0);
  assert.equal(await waitFor('one SSE stream for the browser', async () => ((await sseStreams()) === 1 ? 1 : 0), 10_000), 1, `${TABS} tabs, one upstream stream`);

  let n = 0;
  let publishing = true;
  let target = 0;
  const publisher = (async () => {
    while (publishing) {
      await publish(nodes[target]!.url, channel, { n });
      n++;
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
  })();

  for (const [i, node] of nodes.entries()) {
    target = 1 - i; // publish on the node that stays up
    await new Promise((resolve) => setTimeout(resolve, 500));
    const signalled = Date.now();
    node.child.kill('SIGTERM');
    await waitFor(`node ${i}: /health 503 while draining`, async () => (await request(`${node.url}/health`)).status === 503, 1000, 20);
    assert.equal((await request(`${node.url}/health/live`)).status, 200, `node ${i}: live while draining`);
    const code = await withTimeout(node.exited, EXIT_BOUND_MS + 2000, `node ${i} to exit`);
    const took = Date.now() - signalled;
    assert.equal(code, 0, `node ${i} exits cleanly`);
    assert.ok(took <= EXIT_BOUND_MS, `node ${i} exited in ${took} ms, within its bound ${EXIT_BOUND_MS} ms`);
    assert.ok(took >= DRAIN_DELAY * 1000, `node ${i} served through its drain delay`);
    Object.assign(node, await startNode(node.port, redis.url));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  publishing = false;
  await publisher;
  const total = n;
  await waitFor('every tab to have every message', async () => (await Promise.all(tabs.map(received))).every((r) => (r[channel]?.length ?? 0) >= total), 30_000, 200);
  for (const [i, tab] of tabs.entries()) assert.deepEqual((await received(tab))[channel], range(total), `tab ${i}: every message once, in order`);

  assert.equal(await waitFor('one SSE stream again after the restarts', async () => ((await sseStreams()) === 1 ? 1 : 0), 10_000), 1);
  // Ended streams are in the access log: every one came over HTTP/2.
  const sseLines = nginx.accessLog().split('\n').filter((line) => line.includes('"GET /sse"'));
  assert.ok(sseLines.length >= 1, `streams ended by the restarts are logged:\n${nginx.accessLog()}`);
  for (const line of sseLines) assert.match(line, / 200 HTTP\/2\.0 /, `an SSE stream over HTTP/2: ${line}`);
  assert.ok(sseLines.length <= 6, `a few reconnects, not one per tab: ${sseLines.length}`);
});
