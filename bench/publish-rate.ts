/**
 * `node --import tsx bench/publish-rate.ts [seconds]` — publishes per second through
 * `POST /publish` (one message per request, and a batch of BATCH per request) against a minimal
 * `node:http` endpoint that reads the JSON body and answers an id, measured with `wrk` in the same
 * run. Each server runs alone in its own process (on core 1 under `taskset`, wrk on core 0), with
 * no subscriber: this is the cost of the publish path itself. Prints ratios; fails on no time.
 * Needs `wrk` on the PATH.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPushServer, silentLogger } from '../server/index.js';
import { canPin } from './lib/cpu.js';
import { table } from './report/format.js';

const BATCH = 10;
const CONNECTIONS = 32;
const MESSAGE = { t: 0, pad: 'x'.repeat(80) }; // ~100 B of JSON

type Kind = 'raw' | 'tabmux';

async function serve(kind: Kind): Promise<void> {
  let port: number;
  if (kind === 'raw') {
    let id = 0;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const text = JSON.stringify({ id: String(++id) });
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  } else {
    const push = createPushServer({ logger: silentLogger, history: 1000, maxConnectionsPerIp: 1_000_000, connectionRate: 1_000_000, connectionBurst: 1_000_000 });
    port = (await push.listen(0, '127.0.0.1')).port;
  }
  console.log(`port ${port}`);
}

function startServer(kind: Kind): Promise<{ child: ChildProcess; port: number }> {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), 'serve', kind];
  const child = canPin() ? spawn('taskset', ['-c', '1', process.execPath, ...args]) : spawn(process.execPath, args);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /port (\d+)/.exec(chunk.toString());
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.on('exit', (code) => reject(new Error(`${kind} server exited (${code})`)));
  });
}

function wrk(url: string, body: string, seconds: number): number {
  const script = join(os.tmpdir(), `tabmux-publish-${process.pid}.lua`);
  writeFileSync(script, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(body)}\n`);
  const command = ['wrk', '-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '-s', script, url];
  const run = canPin() ? spawnSync('taskset', ['-c', '0', ...command], { encoding: 'utf8' }) : spawnSync(command[0]!, command.slice(1), { encoding: 'utf8' });
  const match = /Requests\/sec:\s+([\d.]+)/.exec(run.stdout ?? '');
  if (!match || /Non-2xx/.test(run.stdout)) throw new Error(`wrk failed: ${run.stdout}${run.stderr}`);
  return Number(match[1]);
}

async function measure(kind: Kind, body: string, seconds: number): Promise<number> {
  const { child, port } = await startServer(kind);
  try {
    wrk(`http://127.0.0.1:${port}/publish`, body, 1); // warm-up
    return wrk(`http://127.0.0.1:${port}/publish`, body, seconds);
  } finally {
    child.kill();
  }
}

if (process.argv[2] === 'serve') {
  await serve(process.argv[3] as Kind);
} else {
  const seconds = Number(process.argv[2] ?? 5);
  const one = JSON.stringify({ channel: 'bench', data: MESSAGE });
  const batch = JSON.stringify({ messages: Array.from({ length: BATCH }, () => ({ channel: 'bench', data: MESSAGE })) });
  const load = os.loadavg()[0]!;
  const raw = await measure('raw', one, seconds);
  const single = await measure('tabmux', one, seconds);
  const batched = await measure('tabmux', batch, seconds);
  const rows = [
    ['minimal node:http endpoint', raw, raw],
    ['tabmux, one message per request', single, single],
    [`tabmux, batch of ${BATCH} per request`, batched, batched * BATCH],
  ] as const;
  console.log(
    table(
      ['endpoint', 'requests/s', 'messages/s', 'messages/s × minimal endpoint'],
      rows.map(([name, requests, messages]) => [name, Math.round(requests).toLocaleString('en-US'), Math.round(messages).toLocaleString('en-US'), `${(messages / raw).toFixed(2)}×`]),
    ),
  );
  console.log(`\nwrk -t1 -c${CONNECTIONS} -d${seconds}s, ~100 B messages, load average ${load.toFixed(1)} → ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`);
}
