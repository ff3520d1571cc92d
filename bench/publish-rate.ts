/**
 * `node --import tsx bench/publish-rate.ts [seconds] [rounds]` — the publish-rate section of
 * `npm run bench` on its own (bench/publish/run-publish.ts): `POST /publish` with one message per
 * request and with a batch per request, against a minimal node:http endpoint, interleaved rounds,
 * ratios from the same rounds. Prints the table; fails on no time.
 */
import os from 'node:os';
import { FULL_PUBLISH_PLAN } from './publish/plan.js';
import { runPublishBench } from './publish/run-publish.js';
import { renderPublishTable } from './report/render-publish.js';

const plan = { ...FULL_PUBLISH_PLAN, seconds: Number(process.argv[2] ?? FULL_PUBLISH_PLAN.seconds), rounds: Number(process.argv[3] ?? FULL_PUBLISH_PLAN.rounds) };
const load = os.loadavg()[0]!;
const results = await runPublishBench(plan, (line) => console.error(line));
console.log(renderPublishTable(results));
console.log(`\n${results.generator} with ${plan.connections} connections, ${plan.rounds} rounds of ${plan.seconds} s, ~100 B messages, load average ${load.toFixed(1)} → ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`);
if (results.errors.length > 0) process.exitCode = 1;
