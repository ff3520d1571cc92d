/**
 * `push.fetch` served by Bun (`Bun.serve({ fetch: push.fetch })`) and Deno
 * (`Deno.serve(push.fetch)`), as the README's snippets mount it (test/fixtures/fetch-runtime-server.ts,
 * run from this repository's source), driven over real sockets from Node: health, an SSE stream
 * receiving a message published through the runtime, a long-poll answered by a publish, the
 * per-IP limit counting by the address the runtime gave (no warning that it is unknown), `/ws`
 * refused with its JSON 501, and clients that hang up freeing their subscriptions.
 *
 * Neither runtime is a dependency: the test installs the official binaries from the npm registry
 * (`@oven/bun-linux-x64`, `@deno/linux-x64-glibc`, pinned) into node_modules/.cache on first run,
 * and is skipped on platforms those two packages do not cover.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { metric, openSse, publish, request } from '../helpers/server-clients.js';
import type { SseClient } from '../helpers/server-clients.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = join(root, 'test/fixtures/fetch-runtime-server.ts');
const CACHE = join(root, 'node_modules/.cache/tabmux-fetch-runtimes');
const KEY = { Authorization: 'Bearer runtime-key' };
const INSTALL_MS = 300_000;
const START_MS = 60_000;

interface Runtime {
  readonly name: string;
  readonly pkg: string;
  readonly binary: string;
  readonly args: readonly string[];
}

const RUNTIMES: readonly Runtime[] = [
  { name: 'Bun', pkg: '@oven/bun-linux-x64@1.4.5', binary: 'node_modules/@oven/bun-linux-x64/bin/bun', args: [] },
  // --sloppy-imports: the server's sources import `./x.js` for `./x.ts`, as TypeScript has them write.
  { name: 'Deno', pkg: '@deno/linux-x64-glibc@2.9.6', binary: 'node_modules/@deno/linux-x64-glibc/deno', args: ['run', '--allow-all', '--sloppy-imports'] },
];

const unsupported = process.platform !== 'linux' || process.arch !== 'x64' ? `the runtimes' npm packages used here are linux-x64 (this is ${process.platform}-${process.arch})` : false;

function run(command: string, args: readonly string[], ms: number): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
  const exited = new Promise<void>((resolve, reject) =>
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr}`)))),
  );
  return withTimeout(exited, ms, `${command} ${args.join(' ')}`).finally(() => child.kill('SIGKILL'));
}

/** The runtime's binary, installed from the registry into the cache the first time. */
async function binaryOf(runtime: Runtime): Promise<string> {
  const binary = join(CACHE, runtime.binary);
  if (existsSync(binary)) return binary;
  mkdirSync(CACHE, { recursive: true });
  // --prefix: this folder is the project, whatever npm_config_* a parent `npm test` exported.
  await run('npm', ['install', '--prefix', CACHE, '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', runtime.pkg], INSTALL_MS);
  if (!existsSync(binary)) throw new Error(`${runtime.pkg} installed no ${runtime.binary}`);
  return binary;
}

interface Started {
  readonly url: string;
  readonly child: ChildProcess;
  stderr(): string;
}

async function startIn(runtime: Runtime): Promise<Started> {
  const binary = await binaryOf(runtime);
  const child = spawn(binary, [...runtime.args, FIXTURE], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += String(chunk)));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += String(chunk)));
  const url = await waitFor(() => `${runtime.name} to listen (stdout: ${stdout}, stderr: ${stderr})`, () => /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout)?.[1], START_MS);
  return { url, child, stderr: () => stderr };
}

for (const runtime of RUNTIMES) {
  test(`${runtime.name}: push.fetch serves health, SSE, publish and poll; hung-up clients are let go`, { skip: unsupported }, async (t) => {
    const server = await startIn(runtime);
    t.after(() => server.child.kill('SIGKILL'));
    const { url } = server;
    const health = await request(`${url}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { status: 'ok' });

    const streams: SseClient[] = [];
    t.after(() => streams.forEach((s) => s.close()));
    for (let i = 0; i < 2; i++) {
      const sse = await openSse(`${url}/sse?channel=news`);
      assert.equal(sse.status, 200);
      assert.match(String(sse.headers['content-type']), /^text\/event-stream/);
      await sse.until((c) => c.events.some((e) => e.event === '$open'), `$open on stream ${i}`);
      streams.push(sse);
    }
    const id = await publish(url, 'news', { via: runtime.name }, KEY);
    for (const [i, sse] of streams.entries()) {
      await sse.until((c) => c.messages().length === 1, `the message on stream ${i}`);
      assert.deepEqual([sse.messages()[0]!.id, JSON.parse(sse.messages()[0]!.data)], [id, { via: runtime.name }]);
    }
    const waiting = request(`${url}/poll?channel=jobs&timeout=20&lastEventId=${id}`, {}, 25_000);
    await waitFor('the poll to wait', async () => (await metric(url, 'tabmux_connections{transport="poll"}')) === 1);
    const job = await publish(url, 'jobs', 7, KEY);
    assert.deepEqual((await waiting).json, { messages: [{ channel: 'jobs', id: job, data: 7 }], lastEventId: job });

    streams.push(await openSse(`${url}/sse?channel=news`));
    const over = await request(`${url}/sse?channel=news`);
    assert.equal(over.status, 429, 'maxConnectionsPerIp (3) counts this address');
    assert.doesNotMatch(server.stderr(), /without a client address/, `push.fetch found the client address in ${runtime.name}'s second argument`);

    const ws = await request(`${url}/ws`);
    assert.equal(ws.status, 501);
    assert.equal(ws.json.error.code, 'TABMUX_ERR_NOT_SUPPORTED');

    assert.equal(await metric(url, 'tabmux_subscriptions'), 3);
    for (const sse of streams) sse.close();
    await waitFor('the hung-up streams to be let go', async () => (await metric(url, 'tabmux_connections{transport="sse"}')) === 0);
    assert.equal(await metric(url, 'tabmux_subscriptions'), 0);
    assert.equal((await request(`${url}/publish`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status, 401);
  });
}
