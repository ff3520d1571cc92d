// `npm run bench -- --quick` runs end to end (real server processes, real Chromium) and produces
// every figure of bench/RESULTS.md: server throughput (also in alternating rounds), latency, memory, catch-up and slow
// consumers, the publish rate, the browser tabs, hop and data-plane figures, and the battery table. Nothing here checks a time or a
// target: benchmarks never fail the suite on a time, only on a figure that was not produced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResults } from '../../bench/results.js';
import { SYSTEMS } from '../../bench/server/systems.js';
import type { LatencyResult, ThroughputResult } from '../../bench/server/measure.js';
import { BATTERY_MODES } from '../../bench/battery/run-battery.js';
import { ENDPOINTS } from '../../bench/publish/run-publish.js';
import { assertBuilt } from '../helpers/browser.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// A bound against a hang, not a time target: about 140 s on a quiet 2-core machine, and well past
// 170 s when other work shares the cores (seen at load 15), which says nothing about tabmux.
const LIMIT_MS = 420_000;

const finite = (value: unknown, what: string): void => assert.ok(typeof value === 'number' && Number.isFinite(value), `${what} is ${String(value)}`);

test('npm run bench -- --quick produces every figure', { timeout: LIMIT_MS + 10_000 }, async (t) => {
  assertBuilt(); // the browser sections load dist/: a missing build fails here, it does not skip
  const dir = mkdtempSync(join(os.tmpdir(), 'tabmux-bench-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const json = join(dir, 'results.json');
  const md = join(dir, 'RESULTS.md');
  const child = spawn('npm', ['run', '--silent', 'bench', '--', '--quick', '--json', json, '--out', md], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, LIMIT_MS);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve(status);
    });
  });
  assert.notEqual(code, null, `bench --quick did not finish within ${LIMIT_MS} ms:\n${output.slice(-3000)}`);
  assert.equal(code, 0, `bench --quick failed:\n${output.slice(-3000)}`);

  const results = JSON.parse(readFileSync(json, 'utf8')) as BenchResults;
  const { server, publish, browser, battery } = results;
  assert.ok(server && publish && browser && battery, 'all four sections ran');
  assert.deepEqual([...server.errors, ...publish.errors, ...browser.errors, ...battery.errors], [], 'no run failed');

  for (const s of SYSTEMS) {
    const points: readonly ThroughputResult[] = server.throughput[s.name] ?? [];
    // One point per subscribers × size, plus per subscriber count the two burst points (`together`
    // messages an iteration, from one callback and from as many).
    const perCount: number = server.plan.sizes.length + (server.plan.together > 1 ? 2 : 0);
    assert.equal(points.length, server.plan.subscriberCounts.length * perCount, `${s.name}: a throughput point per subscribers × size, and two burst points per subscriber count`);
    if (server.plan.together > 1) {
      for (const apart of [false, true]) {
        assert.equal(points.filter((p) => p.together === server.plan.together && (p.apart ?? false) === apart).length, server.plan.subscriberCounts.length, `${s.name}: the burst points, apart: ${apart}`);
      }
    }
    for (const p of points) {
      finite(p.deliveriesPerSec, `${s.name} ${p.subscribers}×${p.size} deliveries/s`);
      finite(p.cpuMsPer1000, `${s.name} ${p.subscribers}×${p.size} CPU per 1,000`);
    }
    const latency: LatencyResult | undefined = server.latency[s.name];
    assert.equal(latency?.count, server.plan.latencySubscribers * server.plan.latencyMessages, `${s.name}: a latency sample per delivery`);
    finite(latency?.p99, `${s.name} p99`);
    finite(server.memory[s.name]?.heapBytesPerConnection, `${s.name} heap per connection`);
    finite(server.memory[s.name]?.externalBytesPerConnection, `${s.name} external per connection`);
  }
  // The targets' one-message-per-turn points again, in alternating rounds: a figure per system per round.
  assert.deepEqual(server.paired.map((p) => p.systems), server.plan.paired.map((p) => p.systems), 'every alternating point ran');
  for (const p of server.paired) {
    assert.equal(p.rounds.length, server.plan.pairedRounds, `${p.systems.join(' / ')}: every round`);
    for (const rates of p.rounds) p.systems.forEach((name, i) => finite(rates[i], `${name} at ${p.subscribers}, alternating round`));
  }
  assert.deepEqual(server.pairedLatency.map((p) => p.systems), server.plan.pairedLatency, 'every alternating latency check ran');
  for (const p of server.pairedLatency) {
    assert.equal(p.rounds.length, server.plan.pairedRounds, `${p.systems.join(' / ')} latency: every round`);
    for (const round of p.rounds) p.systems.forEach((name, i) => finite(round[i]?.p50, `${name} p50, alternating round`));
  }
  for (const name of ['tabmux-sse', 'tabmux-ws'] as const) {
    assert.equal(server.catchUp[name]?.delivered, server.plan.catchUpClients * server.plan.catchUpBehind, `${name}: every missed message replayed to every client`);
    finite(server.slowConsumer[name]?.with.p99, `${name} p99 next to a slow consumer`);
  }

  // The publish rate: the minimal endpoint, tabmux single and batch, each with a figure per round.
  assert.deepEqual(publish.rows.map((r) => r.endpoint), ENDPOINTS);
  for (const row of publish.rows) {
    assert.equal(row.rounds.length, publish.plan.rounds, `publish ${row.endpoint}: a figure per round`);
    for (const key of ['requestsPerSec', 'messagesPerSec', 'ratio', 'cpuMicrosPerMessage', 'cpuRatio'] as const) finite(row[key], `publish ${row.endpoint} ${key}`);
  }

  for (const tabs of browser.plan.tabCounts) {
    for (const mode of ['tabmux', 'eventsource', 'websocket']) {
      const row = browser.tabs.find((r) => r.tabs === tabs && r.mode === mode);
      finite(row?.deliveriesPerSec, `${mode} × ${tabs} tabs deliveries/s`);
      finite(row?.latency.p99, `${mode} × ${tabs} tabs p99`);
    }
    assert.equal(browser.tabs.find((r) => r.tabs === tabs && r.mode === 'tabmux')?.upstreamConnections, 1, `tabmux × ${tabs} tabs: one upstream`);
  }
  finite(browser.hop?.p50, 'hop p50');
  finite(browser.hopFloor?.p50, 'hop floor p50');
  assert.deepEqual(browser.dataPlane.map((d) => d.mode), ['port-batches', 'comlink-per-event']);
  for (const d of browser.dataPlane) finite(d.eventsPerSec, `${d.mode} events/s`);

  assert.deepEqual(battery.rows.map((r) => r.mode), BATTERY_MODES);
  for (const row of battery.rows) {
    for (const key of ['connections', 'requests', 'wakeUps', 'bytes'] as const) finite(row[key], `battery ${row.mode} ${key}`);
    assert.equal(row.received, row.published * row.tabs, `battery ${row.mode}: every tab got every message`);
  }

  const report = readFileSync(md, 'utf8');
  for (const heading of ['## Targets', '## Server', '## Publish rate', '## Browser', '## Battery']) assert.ok(report.includes(heading), `RESULTS has ${heading}`);
  assert.doesNotMatch(report.split('## Server')[0]!, /not measured/, 'every target was judged from a figure');
});
