/** The publish-rate table of RESULTS.md (bench/publish/run-publish.ts). */
import type { PublishResults } from '../publish/run-publish.js';
import { num, ratio, table } from './format.js';

const NAMES = {
  minimal: 'minimal node:http endpoint',
  single: 'tabmux, one message per request',
  batch: 'tabmux, batch per request',
} as const;

export function renderPublishTable(results: PublishResults): string {
  return table(
    ['endpoint', 'requests/s', 'messages/s', 'messages/s × minimal endpoint', 'server CPU µs per message', '× minimal endpoint, by server CPU'],
    results.rows.map((row) => [
      row.endpoint === 'batch' ? `tabmux, batch of ${row.messagesPerRequest} per request` : NAMES[row.endpoint],
      num(row.requestsPerSec),
      num(row.messagesPerSec),
      ratio(row.ratio),
      num(row.cpuMicrosPerMessage, 1),
      ratio(row.cpuRatio),
    ]),
  );
}

export function renderPublish(results: PublishResults): string {
  const { plan } = results;
  return [
    '## Publish rate',
    '',
    `\`POST /publish\` with ~100 B messages, no subscriber: each server alone in its own process on core 1, the load (${results.generator === 'wrk' ? '`wrk -t1`' : 'the built-in node:net generator (no `wrk` on the PATH)'}, ` +
      `${plan.connections} keep-alive connections) on core 0. ${plan.rounds} rounds of ${plan.seconds} s per endpoint, interleaved; ` +
      'each ratio is taken within a round and the median over rounds is shown. "By server CPU": the minimal endpoint\'s CPU time per message ÷ this one\'s, ' +
      "from the server process's own `process.cpuUsage()` — the cost of the path, less moved by the load generator's share of a shared machine.",
    '',
    renderPublishTable(results),
    '',
  ].join('\n');
}
