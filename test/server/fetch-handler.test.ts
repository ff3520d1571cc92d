/**
 * `push.fetch(request, info?)` called in-process with `new Request(...)` (README, Fetch API
 * handler): health and draining, SSE as a streaming Response (live and resumed), publish with its
 * auth, JSON errors and body limits, long-poll, the client going away (an aborted Request, a
 * cancelled body) freeing its subscription and per-IP slot, a Response nobody reads dropped as a
 * slow consumer, `/ws` refused with a JSON 501, basePath, the client address, and close().
 * Through a real HTTP server: test/mount/hono.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPushServer, silentLogger } from '../../server/index.js';
import type { FetchInfo, PushServer, PushServerOptions } from '../../server/index.js';
import type { LogFields } from '../../server/logger.js';
import { readSse } from '../helpers/fetch-sse.js';
import type { FetchSse } from '../helpers/fetch-sse.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { WAIT_MS } from '../helpers/server-clients.js';

const ORIGIN = 'http://tabmux.test';
const KEY = 'fetch-handler-test-key';
const CLIENT: FetchInfo = { clientAddress: '192.0.2.1' };

function start(t: { after(fn: () => unknown): void }, options: PushServerOptions = {}): PushServer {
  const push = createPushServer({ logger: silentLogger, closeTimeout: 2000, publishKey: KEY, ...options });
  t.after(() => push.close());
  return push;
}

function call(push: PushServer, path: string, init: RequestInit = {}, info: FetchInfo = CLIENT): Promise<Response> {
  return withTimeout(push.fetch(new Request(`${ORIGIN}${path}`, init), info), WAIT_MS, `the response head of ${init.method ?? 'GET'} ${path}`);
}

function publishInit(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${KEY}`, ...headers }, body: JSON.stringify(body) };
}

async function publish(push: PushServer, channel: string, data: unknown): Promise<string> {
  const answer = await call(push, '/publish', publishInit({ channel, data }));
  assert.equal(answer.status, 200, await answer.clone().text());
  return ((await answer.json()) as { id: string }).id;
}

/** A sample of /metrics, read through push.fetch. */
async function metric(push: PushServer, sample: string): Promise<number> {
  const text = await (await call(push, '/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  if (!line) throw new Error(`metric ${sample} not found`);
  return Number(line.split(' ').at(-1));
}

async function errorOf(response: Response): Promise<string> {
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  return ((await response.json()) as { error: { code: string } }).error.code;
}

async function openSse(push: PushServer, path: string, init: RequestInit = {}, info: FetchInfo = CLIENT): Promise<FetchSse> {
  const response = await call(push, path, init, info);
  assert.equal(response.status, 200, `${path}: ${response.status}`);
  const sse = readSse(response);
  await sse.until((s) => s.events.some((e) => e.event === '$open'), `$open on ${path}`);
  return sse;
}

test('health: 200 JSON (HEAD without a body), liveness, and 503 with Retry-After while draining', async (t) => {
  const push = start(t, { drainDelay: 0.2, drainSpread: 0 });
  const health = await call(push, '/health');
  assert.equal(health.status, 200);
  assert.match(health.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(await health.json(), { status: 'ok' });
  const head = await call(push, '/health', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body, null, 'a HEAD answer has no body');
  assert.deepEqual(await (await call(push, '/health/live')).json(), { status: 'live' });

  const drained = push.drain();
  const draining = await call(push, '/health');
  assert.equal(draining.status, 503);
  assert.equal(draining.headers.get('retry-after'), '1');
  assert.equal(await errorOf(draining), 'TABMUX_ERR_UNAVAILABLE');
  assert.equal((await call(push, '/health/live')).status, 200, 'liveness holds through the drain');
  await withTimeout(drained, WAIT_MS, 'drain() to settle');
});

test('SSE: the Response resolves at the head and streams retry, $open, then each message as it is published', async (t) => {
  const push = start(t);
  const sse = await openSse(push, '/sse?channel=news&channel=other');
  const { headers } = sse.response;
  assert.match(headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.equal(headers.get('cache-control'), 'no-cache, no-transform');
  assert.equal(headers.get('x-accel-buffering'), 'no');
  assert.equal(headers.get('connection'), null, 'the runtime owns the connection: no Connection field');
  assert.deepEqual(sse.retries, [2000], 'the retry: hint comes first');

  const first = await publish(push, 'news', { n: 1 });
  await sse.until((s) => s.messages().length === 1, 'the first message, before any other is published');
  const second = await publish(push, 'other', 'two');
  await sse.until((s) => s.messages().length === 2, 'the second message');
  assert.deepEqual(
    sse.messages().map((e) => [e.id, e.event, e.data]),
    [
      [first, 'news', '{"n":1}'],
      [second, 'other', '"two"'],
    ],
  );
  assert.equal(await metric(push, 'tabmux_connections{transport="sse"}'), 1);
  await sse.cancel();
});

test('SSE: Last-Event-ID (header or query) resumes with exactly the messages after it', async (t) => {
  const push = start(t);
  const ids: string[] = [];
  for (const n of [1, 2, 3]) ids.push((await push.publish('news', n)).id);

  const byHeader = await openSse(push, '/sse?channel=news', { headers: { 'Last-Event-ID': ids[0]! } });
  assert.deepEqual(
    byHeader.messages().map((e) => [e.id, e.data]),
    [
      [ids[1], '2'],
      [ids[2], '3'],
    ],
  );
  const byQuery = await openSse(push, `/sse?channel=news&lastEventId=${ids[1]}`);
  assert.deepEqual(
    byQuery.messages().map((e) => e.id),
    [ids[2]],
  );
  const bad = await call(push, '/sse?channel=news', { headers: { 'Last-Event-ID': 'not-an-id' } });
  assert.equal(bad.status, 400);
  assert.equal(await errorOf(bad), 'TABMUX_ERR_BAD_EVENT_ID');
  await Promise.all([byHeader.cancel(), byQuery.cancel()]);
});

test('publish: the Bearer key is required, and bad JSON, a wrong type and an oversized body are refused as JSON', async (t) => {
  const push = start(t, { maxMessageSize: 1024 });
  const anonymous = await call(push, '/publish', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"channel":"a","data":1}' });
  assert.equal(anonymous.status, 401);
  assert.equal(await errorOf(anonymous), 'TABMUX_ERR_UNAUTHORIZED');
  const wrongKey = await call(push, '/publish', publishInit({ channel: 'a', data: 1 }, { Authorization: 'Bearer nope' }));
  assert.equal(wrongKey.status, 401);

  const ok = await call(push, '/publish', publishInit({ channel: 'a', data: 1 }));
  assert.equal(ok.status, 200);
  assert.match(((await ok.json()) as { id: string }).id, /^[0-9a-z]+-[0-9a-z]+$/);
  const batch = await call(push, '/publish', publishInit({ messages: [{ channel: 'a', data: 2 }, { channel: 'b', data: 3 }] }));
  assert.equal(((await batch.json()) as { ids: string[] }).ids.length, 2);

  const badJson = await call(push, '/publish', { ...publishInit(null), body: '{"channel":' });
  assert.equal(badJson.status, 400);
  assert.equal(await errorOf(badJson), 'TABMUX_ERR_BAD_JSON');
  const notJson = await call(push, '/publish', { ...publishInit(null), headers: { 'Content-Type': 'text/plain', Authorization: `Bearer ${KEY}` }, body: 'x' });
  assert.equal(notJson.status, 415);
  assert.equal(await errorOf(notJson), 'TABMUX_ERR_UNSUPPORTED_MEDIA_TYPE');

  // Over the body limit (a batch's 256 KiB here): as read, without a Content-Length...
  const big = JSON.stringify({ channel: 'a', data: 'x'.repeat(300 * 1024) });
  const oversized = await call(push, '/publish', { ...publishInit(null), body: big });
  assert.equal(oversized.status, 413);
  assert.equal(await errorOf(oversized), 'TABMUX_ERR_TOO_LARGE');
  // ...and declared: refused before anything is read.
  const declared = await call(push, '/publish', { ...publishInit(null), headers: { ...publishInit(null).headers, 'Content-Length': String(big.length) }, body: big });
  assert.equal(declared.status, 413);
  // A value over maxMessageSize inside a small body.
  const value = await call(push, '/publish', publishInit({ channel: 'a', data: 'y'.repeat(2000) }));
  assert.equal(value.status, 413);
});

test('publish: a streamed body is read as the handler reads it, and an endless one is refused without reading it all', async (t) => {
  const push = start(t);
  let pulls = 0;
  const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
  // Endless as far as the server can tell (16 MiB); the end is only there so that a regression
  // fails this test instead of spinning on it.
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (++pulls === 1024) controller.close();
      else controller.enqueue(chunk);
    },
  });
  const answer = await call(push, '/publish', { ...publishInit(null), body: endless, duplex: 'half' } as RequestInit);
  assert.equal(answer.status, 413);
  assert.equal(await errorOf(answer), 'TABMUX_ERR_TOO_LARGE');
  const afterAnswer = pulls;
  assert.ok(afterAnswer < 64, `read about the 256 KiB limit, not more (${afterAnswer} chunks of 16 KiB)`);
  // Let the event loop run: the bridge reads nothing more once the response is over.
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(pulls <= afterAnswer + 2, `no endless drain after the answer (${pulls} pulls, ${afterAnswer} at the answer)`);
});

test('poll: a long-poll answers with a message published while it waits; timeout=0 answers at once', async (t) => {
  const push = start(t);
  const empty = await call(push, '/poll?channel=jobs&timeout=0');
  assert.equal(empty.status, 200);
  const { lastEventId } = (await empty.json()) as { messages: unknown[]; lastEventId: string };

  const waiting = call(push, `/poll?channel=jobs&timeout=20&lastEventId=${lastEventId}`);
  await waitFor('the poll to be waiting', async () => (await metric(push, 'tabmux_connections{transport="poll"}')) === 1);
  const id = await publish(push, 'jobs', { job: 7 });
  const answer = await waiting;
  assert.equal(answer.status, 200);
  assert.deepEqual(await answer.json(), { messages: [{ channel: 'jobs', id, data: { job: 7 } }], lastEventId: id });
  assert.equal(await metric(push, 'tabmux_connections{transport="poll"}'), 0);
});

test('an aborted request frees its subscription and its per-IP connection slot (SSE and poll)', async (t) => {
  const push = start(t, { maxConnectionsPerIp: 1 });
  const controller = new AbortController();
  const sse = await openSse(push, '/sse?channel=a&channel=b', { signal: controller.signal });
  assert.equal(await metric(push, 'tabmux_subscriptions'), 2);
  const second = await call(push, '/sse?channel=a');
  assert.equal(second.status, 429, 'the one slot of this address is taken');
  assert.equal(await errorOf(second), 'TABMUX_ERR_RATE_LIMITED');

  controller.abort();
  // Nobody reads an aborted request's Response: its body just ends (errored, a runtime would log it).
  assert.equal(await withTimeout(sse.ended, WAIT_MS, 'the aborted stream to stop'), 'end');
  await waitFor('the SSE connection to be let go', async () => (await metric(push, 'tabmux_connections{transport="sse"}')) === 0);
  assert.equal(await metric(push, 'tabmux_subscriptions'), 0);
  assert.equal(await metric(push, 'tabmux_channels'), 0, 'the broker subscriptions are let go too');
  const again = await openSse(push, '/sse?channel=a');
  await again.cancel();
  await waitFor('the cancelled stream to be let go', async () => (await metric(push, 'tabmux_connections{transport="sse"}')) === 0);

  const pollAbort = new AbortController();
  const poll = call(push, '/poll?channel=a&timeout=30', { signal: pollAbort.signal });
  await waitFor('the poll to be waiting', async () => (await metric(push, 'tabmux_connections{transport="poll"}')) === 1);
  pollAbort.abort();
  await assert.rejects(poll, { name: 'AbortError' }, 'an aborted poll rejects as fetch() would');
  await waitFor('the poll to be let go', async () => (await metric(push, 'tabmux_connections{transport="poll"}')) === 0);
  const after = await call(push, '/poll?channel=a&timeout=0');
  assert.equal(after.status, 200, 'the slot is free again');
  await after.arrayBuffer();

  const early = new AbortController();
  early.abort();
  await assert.rejects(call(push, '/health', { signal: early.signal }), { name: 'AbortError' });
});

test('backpressure: an SSE Response nobody reads is dropped as a slow consumer; a reading one gets every message', async (t) => {
  const push = start(t, { maxBufferedBytes: 64 * 1024, maxMessageSize: 32 * 1024 });
  const stalled = await call(push, '/sse?channel=bulk');
  assert.equal(stalled.status, 200);
  const reading = await openSse(push, '/sse?channel=bulk');
  const bulk = 'x'.repeat(16 * 1024);
  let sent = 0;
  // Bounded: 64 KiB of bound plus the body's and the Writable's 16 KiB each are passed long before.
  while ((await metric(push, 'tabmux_slow_consumers_dropped_total')) === 0) {
    assert.ok(sent < 100, 'the stalled stream was never dropped');
    await push.publish('bulk', bulk);
    sent++;
    await reading.until((s) => s.messages().length === sent, `message ${sent} on the reading stream`);
  }
  assert.ok(sent >= 4, `dropped only past the bound (after ${sent} messages of 16 KiB)`);
  assert.equal(await metric(push, 'tabmux_connections{transport="sse"}'), 1, 'only the reading stream is left');
  const peak = await metric(push, 'tabmux_send_buffer_peak_bytes');
  assert.ok(peak <= 64 * 1024 + bulk.length + 1024, `the send buffer stayed bounded (peak ${peak})`);
  assert.equal(await readSse(stalled).ended, 'error', 'the dropped stream is cut');
  await reading.cancel();
});

test('/ws answers a JSON 501 naming the upgrade path; 404 and 405 as on the node path; basePath is honoured', async (t) => {
  const push = start(t, { basePath: '/realtime' });
  const ws = await call(push, '/realtime/ws', { headers: { Upgrade: 'websocket', Connection: 'Upgrade' } });
  assert.equal(ws.status, 501);
  const body = (await ws.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'TABMUX_ERR_NOT_SUPPORTED');
  assert.match(body.error.message, /handleUpgrade/);

  assert.equal((await call(push, '/realtime/health')).status, 200);
  const outside = await call(push, '/health');
  assert.equal(outside.status, 404);
  assert.equal(await errorOf(outside), 'TABMUX_ERR_NOT_FOUND');
  const wrongMethod = await call(push, '/realtime/sse?channel=a', { method: 'PUT' });
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get('allow'), 'GET, OPTIONS');
  assert.equal(await errorOf(wrongMethod), 'TABMUX_ERR_METHOD_NOT_ALLOWED');
  assert.equal((await call(push, '/realtime/ws', { method: 'POST' })).status, 405);

  const preflight = await call(push, '/realtime/publish', { method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' } });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.body, null);
  assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
});

test('the client address: clientAddress, Deno\'s remoteAddr, Bun\'s requestIP, or X-Forwarded-For with trustProxy; one warning without any', async (t) => {
  const warnings: string[] = [];
  const logger = { info: () => {}, error: () => {}, warn: (_fields: LogFields, message: string) => warnings.push(message) };
  const push = start(t, { maxConnectionsPerIp: 1, logger });
  const shapes: [string, FetchInfo][] = [
    ['clientAddress', { clientAddress: '198.51.100.1' }],
    ['Deno remoteAddr', { remoteAddr: { hostname: '198.51.100.2' } }],
    ['Bun requestIP', { requestIP: (request: Request) => (request instanceof Request ? { address: '198.51.100.3' } : null) }],
  ];
  const open: FetchSse[] = [];
  for (const [name, info] of shapes) {
    open.push(await openSse(push, '/sse?channel=a', {}, info));
    const same = await call(push, '/sse?channel=a', {}, info);
    assert.equal(same.status, 429, `${name}: a second stream from the same address is over its limit`);
  }
  assert.deepEqual(warnings, [], 'no warning while addresses are known');
  const unknown = await call(push, '/health', {}, {});
  await unknown.arrayBuffer();
  await call(push, '/health', {}, undefined as unknown as FetchInfo);
  assert.equal(warnings.length, 1, 'warned once');
  assert.match(warnings[0]!, /without a client address/);
  await Promise.all(open.map((s) => s.cancel()));

  const proxied = start(t, { maxConnectionsPerIp: 1, trustProxy: true });
  const viaProxy = (client: string): RequestInit => ({ headers: { 'X-Forwarded-For': client } });
  const a = await openSse(proxied, '/sse?channel=a', viaProxy('203.0.113.1'), {});
  const b = await openSse(proxied, '/sse?channel=a', viaProxy('203.0.113.2'), {});
  assert.equal((await call(proxied, '/sse?channel=a', viaProxy('203.0.113.1'), {})).status, 429, 'counted by the forwarded address');
  await Promise.all([a.cancel(), b.cancel()]);
});

test('close(): an open stream gets a retry: hint and ends cleanly; new requests get 503', async (t) => {
  const push = start(t);
  const sse = await openSse(push, '/sse?channel=a');
  const pollAnswer = call(push, '/poll?channel=a&timeout=30');
  await waitFor('the poll to be waiting', async () => (await metric(push, 'tabmux_connections{transport="poll"}')) === 1);
  await withTimeout(push.close(), WAIT_MS, 'close()');
  assert.equal(await withTimeout(sse.ended, WAIT_MS, 'the stream to end'), 'end', 'ended, not cut');
  assert.equal(sse.retries.length, 2, 'a second retry: hint before the end');
  assert.equal((await pollAnswer).status, 200, 'the waiting poll is answered');
  const refused = await call(push, '/publish', publishInit({ channel: 'a', data: 1 }));
  assert.equal(refused.status, 503);
  assert.equal(await errorOf(refused), 'TABMUX_ERR_UNAVAILABLE');
});
