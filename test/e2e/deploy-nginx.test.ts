/**
 * Deployed as README (Deploying) says: Debian's nginx with TLS and HTTP/2 (examples/deploy's
 * config), two tabmux-server nodes on one redis-server configured by environment only, and
 * Chromium tabs over https. One upstream stream per browser, arrived over HTTP/2; a rolling
 * restart of BOTH nodes (SIGTERM, drain, start again) while messages are published: every tab
 * gets every message once, in order; during each drain /health is 503 and /health/live 200;
 * each node exits within its bound. For SSE, WebSocket and long-poll.
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
import { freePort } from '../helpers/free-port.js';
import { startNginx } from '../helpers/nginx.js';
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

/** What nginx's access log must show for each transport's requests. */
const LOGGED: Record<'sse' | 'ws' | 'poll', { path: string; line: RegExp }> = {
  sse: { path: '/sse', line: / 200 HTTP\/2\.0 / },
  // nginx 1.22 has no WebSocket over HTTP/2 (RFC 8441): the upgrade is its own HTTP/1.1 connection.
  ws: { path: '/ws', line: / 101 HTTP\/1\.1 / },
  poll: { path: '/poll', line: / (200|503) HTTP\/2\.0 / },
};

for (const transport of ['sse', 'ws', 'poll'] as const) {
  test(`nginx (TLS, HTTP/2) + Redis + two nodes by environment: a rolling restart of both loses and repeats nothing (${transport})`, async (t) => {
    assertBuilt();
    const redis: RedisServer = await startRedisServer();
    t.after(() => redis.dispose());
    const nodes = [await startNode(await freePort(), redis.url), await startNode(await freePort(), redis.url)];
    t.after(() => nodes.forEach((n) => n.child.exitCode === null && n.child.kill('SIGKILL')));
    const nginx: Nginx = await startNginx(nodes.map((n) => n.port));
    t.after(() => nginx.stop());
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, '--ignore-certificate-errors'], timeout: 30_000 });
    t.after(() => browser.close());

    const channel = `deploy-${transport}`;
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    t.after(() => context.close());
    const tabs = await openTabs(context, TABS, () => `${nginx.url}/pages/tab.html?server=${encodeURIComponent(nginx.url)}&channels=${channel}&transport=${transport}`);
    const streams = async () => (await Promise.all(nodes.map((n) => readMetric(n.url, 'tabmux_connections', `{transport="${transport}"}`)))).reduce((a, b) => a + b, 0);
    let seen = 0; // said on a timeout: none (the hub never reached a node) is not two (the tabs did not share one)
    assert.equal(await waitFor(() => `one upstream stream for the browser (streams: ${seen})`, async () => ((seen = await streams()) === 1 ? 1 : 0), 10_000), 1, `${TABS} tabs, one upstream stream`);

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

    assert.equal(await waitFor('one upstream stream again after the restarts', async () => ((await streams()) === 1 ? 1 : 0), 10_000), 1);
    // Ended requests are in the access log: the page and hub script came over HTTP/2, and so did
    // every stream or poll (WebSocket: HTTP/1.1, see LOGGED).
    const log = nginx.accessLog().split('\n');
    const hubScript = log.filter((line) => line.includes('"GET /tabmux-worker.js"'));
    assert.ok(hubScript.length >= 1 && hubScript.every((line) => / HTTP\/2\.0 /.test(line)), `the hub script over HTTP/2:\n${hubScript.join('\n')}`);
    const { path, line: expected } = LOGGED[transport];
    const lines = log.filter((line) => line.includes(`"GET ${path}"`));
    assert.ok(lines.length >= 1, `requests ended by the restarts are logged:\n${log.join('\n')}`);
    for (const line of lines) assert.match(line, expected, line);
    if (transport !== 'poll') assert.ok(lines.length <= 6, `a few reconnects, not one per tab: ${lines.length}`);
  });
}
