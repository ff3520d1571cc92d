/**
 * `npm run bench [-- --quick] [--only=server,publish,browser,battery] [--out file.md] [--json file.json]`
 *
 * Runs the sections, prints the targets met/missed, and writes RESULTS.md (full run) or a quick
 * report (to the temp folder unless --out). Never fails on a time: a missed target is a finding.
 * It exits non-zero only when a section cannot run at all (no Chromium, no build).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FULL_BATTERY_PLAN, QUICK_BATTERY_PLAN } from './battery/plan.js';
import { runBatteryBench } from './battery/run-battery.js';
import { FULL_BROWSER_PLAN, QUICK_BROWSER_PLAN } from './browser/plan.js';
import { runBrowserBench } from './browser/run-browser.js';
import { canPin, machine, pinnedNode } from './lib/cpu.js';
import { parseArgs, SECTIONS } from './lib/args.js';
import { FULL_PUBLISH_PLAN, QUICK_PUBLISH_PLAN } from './publish/plan.js';
import { runPublishBench } from './publish/run-publish.js';
import { table } from './report/format.js';
import { renderResults } from './report/render.js';
import { checkTargets, verdict } from './report/targets.js';
import type { BenchResults } from './results.js';
import { FULL_PLAN, QUICK_PLAN } from './server/plan.js';
import { runServerBench } from './server/run-server.js';

const PINNED_ENV = 'TABMUX_BENCH_PINNED';

// The load generator (and Chromium, which it launches) on core 0; servers go to core 1.
if (canPin() && process.env[PINNED_ENV] !== '1') {
  const { execPath, execArgv } = pinnedNode(0, process.execArgv);
  const child = spawnSync(execPath, [...execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [PINNED_ENV]: '1' },
  });
  process.exit(child.status ?? 1);
}

const args = parseArgs(process.argv.slice(2));
const log = (line: string): void => console.error(line);
const started = Date.now();
const sections = new Set(args.only);
const results: BenchResults & { server?: unknown; publish?: unknown; browser?: unknown; battery?: unknown } = {
  mode: args.quick ? 'quick' : 'full',
  date: new Date().toISOString(),
  machine: machine(),
  pinned: canPin(),
  seconds: 0,
  load: { start: os.loadavg()[0]!, end: 0, cores: os.cpus().length },
};
const mutable = results as { -readonly [K in keyof BenchResults]: BenchResults[K] };
if (sections.has('server')) {
  log('== server');
  mutable.server = await runServerBench(args.quick ? QUICK_PLAN : FULL_PLAN, canPin(), log);
}
if (sections.has('publish')) {
  log('== publish');
  mutable.publish = await runPublishBench(args.quick ? QUICK_PUBLISH_PLAN : FULL_PUBLISH_PLAN, log);
}
if (sections.has('browser')) {
  log('== browser');
  mutable.browser = await runBrowserBench(args.quick ? QUICK_BROWSER_PLAN : FULL_BROWSER_PLAN, log);
}
if (sections.has('battery')) {
  log('== battery');
  mutable.battery = await runBatteryBench(args.quick ? QUICK_BATTERY_PLAN : FULL_BATTERY_PLAN, log);
}
mutable.seconds = (Date.now() - started) / 1000;
mutable.load = { ...results.load, end: os.loadavg()[0]! };

const out = args.out ?? (args.quick || sections.size < SECTIONS.length ? join(os.tmpdir(), `tabmux-bench-${results.mode}.md`) : fileURLToPath(new URL('./RESULTS.md', import.meta.url)));
writeFileSync(out, renderResults(results));
if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 1));
console.log(table(['target', 'measured', 'verdict'], checkTargets(results).map((c) => [c.target, c.measured, verdict(c)])));
console.log(`\nwrote ${out} (${Math.round(results.seconds)} s)`);
