/**
 * Liveness, readiness and the drain on SIGTERM/SIGINT (README, Deploying): `/health/live` answers
 * 200 while the process serves, `/health` 503 while the broker is down or the node drains; the
 * real CLI keeps serving through the drain delay, then ends SSE with `retry:`, WebSockets with
 * 1012 and answers polls, spread over the drain spread, and exits within its bound; a second
 * signal exits at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createMemoryBroker } from '../../server/broker/memory.js';
import { metric, openSse, openWs, publish, request } from '../helpers/server-clients.js';
import type { SseClient } from '../helpers/server-clients.js';
import { startServer } from '../helpers/server.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

const CLI = fileURLToPath(new URL('../../server/cli.ts', import.meta.url));
const SPAWN_MS = 15_000;

function startCli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += String(c)));
  child.stderr.on('data', () => undefined);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = waitFor('the listening line', () => /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1], SPAWN_MS);
  return { child, exited, url };
}

test('/health/live is 200 while /health follows the broker', async (t) => {
  const inner = createMemoryBroker({ history: 10 });
  let healthy = true;
  const s = await startServer({ broker: { ...inner, health: () => (healthy ? { ok: true } : { ok: false, reason: 'broker unreachable' }) } });
  t.after(() => s.close());
  assert.equal((await request(`${s.url}/health/live`)).status, 200);
  healthy = false;
  assert.equal((await request(`${s.url}/health`)).status, 503, 'readiness follows the broker');
  const live = await request(`${s.url}/health/live`);
  assert.equal(live.status, 200, 'liveness does not');
  assert.deepEqual(live.json, { status: 'live' });
  assert.equal((await request(`${s.url}/health/live`, { method: 'HEAD' })).status, 200);
  assert.equal((await request(`${s.url}/health/live`, { method: 'POST' })).status, 405);
});

test('push.drain(): not ready at once, served through the delay, then closed; close() stays immediate', async (t) => {
  const s = await startServer({ drainDelay: 0.5, drainSpread: 0.2 });
  t.after(() => s.close());
  const sse = await openSse(`${s.url}/sse?channel=a`);
  await sse.until((c) => c.events.some((e) => e.event === '$open'), '$open');
  const started = Date.now();
  const drained = s.server.drain();
  assert.equal((await request(`${s.url}/health`)).status, 503);
  assert.equal((await request(`${s.url}/health/live`)).status, 200);
  await publish(s.url, 'a', 'during the delay');
  await sse.until((c) => c.messages().length === 1, 'a message published during the delay');
  await withTimeout(drained, 5000, 'drain() to settle');
  assert.ok(Date.now() - started >= 500, 'not before the delay');
  await withTimeout(sse.ended, 1000, 'the stream to end');

  const other = await startServer({ drainDelay: 30 });
  const stream = await openSse(`${other.url}/sse?channel=a`);
  const t0 = Date.now();
  await other.close();
  await withTimeout(stream.ended, 1000, 'close() to end the stream without a drain delay');
  assert.ok(Date.now() - t0 < 3000);
});

test('SIGTERM: /health 503 at once, served through the drain delay, streams ended spread out with the reconnect hint, exit within the bound', async () => {
  const delay = 2;
  const spread = 1.5;
  const p = startCli(['--drain-delay', String(delay), '--drain-spread', String(spread)]);
  try {
    const url = await p.url;
    const streams: SseClient[] = [];
    for (let i = 0; i < 6; i++) streams.push(await openSse(`${url}/sse?channel=a`));
    await Promise.all(streams.map((c) => c.until((x) => x.events.some((e) => e.event === '$open'), '$open')));
    const ends = streams.map((c) => c.ended.then(() => Date.now()));
    const ws = await openWs(url);
    ws.send({ op: 'subscribe', channel: 'a', ref: 1 });
    await ws.until((c) => c.frames.some((f) => f.op === 'subscribed'), 'subscribed');
    const wsClosed = ws.closed.then((close) => ({ ...close, at: Date.now() }));
    // On a channel nothing is published to: only the drain can answer it.
    const poll = request(`${url}/poll?channel=quiet&timeout=30`, {}, SPAWN_MS).then((answer) => ({ answer, at: Date.now() }));
    await waitFor('the poll to reach the server', async () => (await metric(url, 'tabmux_connections{transport="poll"}')) === 1, 5000, 20);

    const signalled = Date.now();
    p.child.kill('SIGTERM');
    await waitFor('/health to answer 503', async () => (await request(`${url}/health`).catch(() => undefined))?.status === 503, 1000, 20);
    assert.ok(Date.now() - signalled < 1000, '/health is 503 at once');
    assert.equal((await request(`${url}/health/live`)).status, 200, 'still live while draining');
    // Still serving: a publish reaches every open stream, and a new stream opens.
    await publish(url, 'a', 'while draining');
    await Promise.all(streams.map((c) => c.until((x) => x.messages().length === 1, 'the message published while draining')));
    const late = await openSse(`${url}/sse?channel=a`);
    assert.equal(late.status, 200);
    await late.until((c) => c.events.some((e) => e.event === '$open'), 'a stream opened during the drain delay');
    ends.push(late.ended.then(() => Date.now()));

    const ended = await withTimeout(Promise.all(ends), (delay + spread + 2) * 1000, 'every stream to end');
    for (const at of ended) assert.ok(at - signalled >= delay * 1000 - 50, `a stream ended ${at - signalled} ms after SIGTERM, before the drain delay`);
    assert.ok(Math.max(...ended) - Math.min(...ended) > 100, `the ends are spread out, not all at once (${ended.map((at) => at - signalled).join(', ')} ms)`);
    for (const c of [...streams, late]) assert.ok(c.retries.at(-1)! <= 2000, 'the last thing said is a retry: hint');
    assert.ok(streams.every((c) => c.retries.length >= 2), 'a retry: hint before the end');
    const { code, at: wsAt } = await withTimeout(wsClosed, 1000, 'the WebSocket to close');
    assert.equal(code, 1012, 'WebSocket closed 1012 (service restart)');
    assert.ok(wsAt - signalled >= delay * 1000 - 50);
    const { answer, at: pollAt } = await withTimeout(poll, 5000, 'the poll to be answered');
    assert.equal(answer.status, 200, 'the poll is answered');
    assert.deepEqual(answer.json.messages, []);
    assert.ok(pollAt - signalled >= delay * 1000 - 50, 'the poll is answered by the drain, after its delay');
    // Bound: drain delay + spread + closeTimeout (5 s) + 1 s.
    assert.equal(await withTimeout(p.exited, (delay + spread + 6) * 1000, 'the CLI to exit within its bound'), 0);
  } finally {
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
  }
});

test('a second signal during the drain exits at once', async () => {
  const p = startCli(['--drain-delay', '60']);
  try {
    const url = await p.url;
    p.child.kill('SIGINT');
    await waitFor('/health to answer 503', async () => (await request(`${url}/health`).catch(() => undefined))?.status === 503, 2000, 20);
    const t0 = Date.now();
    p.child.kill('SIGINT');
    assert.equal(await withTimeout(p.exited, 3000, 'exit on the second signal'), 1);
    assert.ok(Date.now() - t0 < 3000);
  } finally {
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
  }
});
