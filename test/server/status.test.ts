/**
 * The live status page, `/status` and `/status.json`, against a real server on port 0 with real
 * SSE, WebSocket and long-poll clients: off by default (404, or the host app's when mounted),
 * who may read it (publish key by header or ?key=, open server, JWT without a key), and the
 * numbers it shows after real traffic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServer } from '../helpers/server.js';
import { createPushServer, silentLogger } from '../../server/index.js';
import { parseCli, HELP, UsageError } from '../../server/cli-args.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openSse, openWs, publish, request } from '../helpers/server-clients.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

const KEY = 'status-test-publish-key';

test('off by default: /status and /status.json are 404 JSON, and a mounted app gets them via next()', async (t) => {
  const push = await startServer();
  t.after(() => push.close());
  for (const path of ['/status', '/status.json']) {
    const res = await request(`${push.url}${path}`);
    assert.equal(res.status, 404, path);
    assert.equal(res.json?.error?.code, 'TABMUX_ERR_NOT_FOUND', `${path}: the JSON error shape`);
  }

  const mounted = createPushServer({ logger: silentLogger });
  const app = http.createServer((req, res) => mounted.handleRequest(req, res, () => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('the app')));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await mounted.close();
    await new Promise((resolve) => app.close(resolve));
  });
  const res = await request(`http://127.0.0.1:${(app.address() as AddressInfo).port}/status`);
  assert.equal(res.text, 'the app', 'with the page off, /status is the host app\'s path');
});

test('on with a publish key: 401 without it or with a wrong one; 200 with the Bearer header or ?key=', async (t) => {
  const push = await startServer({ status: true, publishKey: KEY });
  t.after(() => push.close());
  const none = await request(`${push.url}/status`);
  assert.equal(none.status, 401);
  assert.equal(none.json?.error?.code, 'TABMUX_ERR_UNAUTHORIZED');
  assert.match(String(none.headers['www-authenticate']), /^Bearer/);
  for (const wrong of [
    request(`${push.url}/status.json`, { headers: { Authorization: 'Bearer not-the-key' } }),
    request(`${push.url}/status?key=not-the-key`),
    // A key of the same length: the comparison is of contents, not length alone.
    request(`${push.url}/status?key=${'x'.repeat(KEY.length)}`),
  ]) {
    assert.equal((await wrong).status, 401);
  }
  const header = await request(`${push.url}/status.json`, { headers: { Authorization: `Bearer ${KEY}` } });
  assert.equal(header.status, 200);
  assert.equal(header.json.broker.kind, 'memory');
  assert.equal(header.json.refusals.auth.unauthorized, 4, 'the four refusals above are counted');
  const query = await request(`${push.url}/status?key=${encodeURIComponent(KEY)}`);
  assert.equal(query.status, 200);
  assert.match(String(query.headers['content-type']), /^text\/html/);
  assert.equal(query.headers['referrer-policy'], 'no-referrer', 'a ?key= URL must not leak through Referer');
  assert.equal(query.headers['cache-control'], 'no-store');
  assert.equal(byId(query.text, 'refused-auth'), '4');
  const head = await request(`${push.url}/status.json`, { method: 'HEAD', headers: { Authorization: `Bearer ${KEY}` } });
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
});

test('open server: the page is open; JWT auth without a publish key: 403 saying why', async (t) => {
  const open = await startServer({ status: true });
  const jwtOnly = await startServer({ status: true, jwtSecret: 'a'.repeat(32) });
  t.after(async () => {
    await open.close();
    await jwtOnly.close();
  });
  assert.equal((await request(`${open.url}/status.json`)).status, 200);
  const refused = await request(`${jwtOnly.url}/status.json`);
  assert.equal(refused.status, 403);
  assert.match(refused.json.error.message, /publish key/);
});

test('the page is self-contained and CSP-strict: no script, one hashed style, meta refresh', async (t) => {
  const push = await startServer({ status: true });
  t.after(() => push.close());
  const res = await request(`${push.url}/status`);
  assert.equal(res.status, 200);
  const csp = String(res.headers['content-security-policy']);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /style-src 'sha256-[A-Za-z0-9+/=]+'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.doesNotMatch(res.text, /<script/i, 'no script at all');
  assert.doesNotMatch(res.text, /\b(src|href)=/i, 'no external asset');
  assert.match(res.text, /<meta http-equiv="refresh" content="\d+">/);
});

/** The text of the element with `id` in the page. */
function byId(html: string, id: string): string {
  const match = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html);
  if (!match) throw new Error(`#${id} not in the page`);
  return match[1]!;
}

test('after real traffic over SSE, WebSocket and poll, the JSON and the page show the right numbers', async (t) => {
  const push = await startServer({ status: true, nodeId: 'node-a' });
  const clients: { close(): void }[] = [];
  t.after(async () => {
    for (const c of clients) c.close();
    await push.close();
  });
  const both = await openSse(`${push.url}/sse?channel=hot&channel=cold`);
  const hotOnly = await openSse(`${push.url}/sse?channel=hot`);
  clients.push(both, hotOnly);
  await both.until((c) => c.events.some((e) => e.event === '$open'), 'SSE 1 open');
  await hotOnly.until((c) => c.events.some((e) => e.event === '$open'), 'SSE 2 open');
  const ws = await openWs(push.url);
  clients.push(ws);
  ws.send({ op: 'subscribe', channel: 'hot' });
  await ws.until((c) => c.frames.some((f) => f.op === 'subscribed'), 'WebSocket subscribed');
  // A long poll on a channel nobody publishes to: it stays open for the whole test.
  const poll = http.get(`${push.url}/poll?channel=quiet&timeout=30`);
  poll.on('error', () => {});
  clients.push({ close: () => poll.destroy() });
  const status = async () => (await request(`${push.url}/status.json`)).json;
  // No event says the server has taken the poll in: read the status until it counts it.
  await waitFor('the poll to be counted as open', async () => (await status()).connections.total === 4, 15_000, 25);

  for (let n = 0; n < 30; n++) await publish(push.url, 'hot', { n });
  for (let n = 0; n < 10; n++) await publish(push.url, 'cold', { n });
  await both.until((c) => c.messages().length === 40, '40 messages on SSE 1');
  await hotOnly.until((c) => c.messages().length === 30, '30 messages on SSE 2');
  await ws.until((c) => c.messages().length === 30, '30 messages on the WebSocket');

  const report = await status();
  assert.deepEqual(report.connections, { sse: 2, ws: 1, poll: 1, total: 4 });
  assert.equal(report.subscriptions, 5, 'SSE 2 + 1, WebSocket 1, poll 1');
  assert.equal(report.channels.count, 3);
  assert.deepEqual(
    report.channels.topBySubscribers.map((c: { channel: string; subscribers: number }) => [c.channel, c.subscribers]),
    [['hot', 3], ['cold', 1], ['quiet', 1]],
  );
  // 30 and 10 messages inside the 10 s window.
  assert.deepEqual(
    report.channels.topByRate.map((c: { channel: string; perSecond: number }) => [c.channel, c.perSecond]),
    [['hot', 3], ['cold', 1]],
  );
  assert.equal(report.messages.published.total, 40);
  assert.equal(report.messages.delivered.total, 100, '40 + 30 + 30 writes to subscribers');
  assert.ok(report.messages.published.perSecond.last10s > 0 && report.messages.published.perSecond.last1m > 0, 'rates moved');
  assert.ok(report.messages.delivered.perSecond.last10s >= report.messages.published.perSecond.last10s, 'fan-out: more delivered than published');
  assert.equal(report.slowConsumersDropped, 0);
  assert.deepEqual(report.broker, { kind: 'memory', ok: true });
  assert.equal(report.node.id, 'node-a');
  assert.ok(Number.isInteger(report.node.uptimeSeconds) && report.node.uptimeSeconds >= 0);
  assert.equal(typeof report.refusals.limits.connections_per_ip, 'number');

  const html = (await request(`${push.url}/status`)).text;
  assert.equal(byId(html, 'connections-total'), '4');
  assert.equal(byId(html, 'connections-sse'), '2');
  assert.equal(byId(html, 'connections-ws'), '1');
  assert.equal(byId(html, 'connections-poll'), '1');
  assert.equal(byId(html, 'channels-count'), '3');
  assert.equal(byId(html, 'published-total'), '40');
  assert.equal(byId(html, 'delivered-total'), '100');
  assert.equal(byId(html, 'slow-consumers'), '0');
  assert.equal(byId(html, 'node-id'), 'node-a');
  assert.equal(byId(html, 'broker-kind'), 'memory');
  assert.equal(byId(html, 'broker-health'), 'healthy');
  assert.match(html, /<td class="name">hot<\/td><td class="n">3<\/td><td class="n">3\/s<\/td>/);

  // Clients leave: the counts follow.
  for (const c of clients) c.close();
  await waitFor('connections to drop to 0 after the clients left', async () => (await status()).connections.total === 0, 15_000, 25);
});

test('under a basePath the page lives at <basePath>/status', async (t) => {
  const push = await startServer({ status: true, basePath: '/realtime' });
  t.after(() => push.close());
  assert.equal((await request(`${push.url}/realtime/status.json`)).status, 200);
  assert.equal((await request(`${push.url}/status.json`)).status, 404);
});

test('bad status options are refused at start; the CLI has --status, and --demo turns it on', () => {
  assert.throws(() => createPushServer({ status: 'yes' as unknown as boolean, logger: silentLogger }), /option status must be true or false/);
  assert.throws(() => createPushServer({ nodeId: 'has space', logger: silentLogger }), /option nodeId/);
  const start = (argv: string[]) => {
    const command = parseCli(argv);
    assert.equal(command.type, 'start');
    return command.type === 'start' ? command.options : {};
  };
  assert.equal(start([]).status, undefined, 'off unless asked');
  assert.equal(start(['--status']).status, true);
  assert.equal(start(['--demo']).status, true, 'the demo is local: it shows its status page');
  assert.equal(start(['--node-id', 'n1']).nodeId, 'n1');
  assert.throws(() => parseCli(['--status=yes']), UsageError);
  for (const flag of ['--status', '--node-id']) assert.ok(HELP.includes(flag), `--help lists ${flag}`);
});

test('tabmux-server --demo prints the status page URL, and it answers with the publish key', async (t) => {
  const cli = fileURLToPath(new URL('../../server/cli.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0', '--demo', '--publish-key', KEY], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  t.after(async () => {
    child.kill('SIGTERM');
    await withTimeout(exited, 15_000, 'tabmux-server to exit');
  });
  let stdout = '';
  const url = await withTimeout(
    new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /status page: (http:\/\/\S+\/status) \(needs the publish key/.exec(stdout);
        if (match) resolve(match[1]!);
      });
    }),
    15_000,
    'the status page line on stdout',
  );
  assert.equal((await request(url)).status, 401);
  const page = await request(`${url}?key=${KEY}`);
  assert.equal(page.status, 200);
  assert.match(page.text, /tabmux status/);
});

test('metricsKey protects /metrics and /status.json, even on an open server; the publish key opens them too', async (t) => {
  const s = await startServer({ status: true, metricsKey: 'metrics-key-0123456789', publishKey: 'publish-key-0123456789' });
  t.after(() => s.close());
  for (const path of ['/metrics', '/status.json']) {
    const none = await request(`${s.url}${path}`);
    assert.equal(none.status, 401, path);
    assert.equal(none.json.error.code, 'TABMUX_ERR_UNAUTHORIZED');
    assert.equal((await request(`${s.url}${path}`, { headers: { Authorization: 'Bearer wrong' } })).status, 401, path);
    assert.equal((await request(`${s.url}${path}`, { headers: { Authorization: 'Bearer metrics-key-0123456789' } })).status, 200, path);
    assert.equal((await request(`${s.url}${path}`, { headers: { Authorization: 'Bearer publish-key-0123456789' } })).status, 200, path);
  }
});
