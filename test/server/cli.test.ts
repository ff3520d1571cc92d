import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from '../helpers/server-clients.js';
import { withTimeout } from '../helpers/wait.js';

const CLI = fileURLToPath(new URL('../../server/cli.ts', import.meta.url));
const SPAWN_MS = 15_000;

function run(args: string[]) {
  // No drain delay: these tests stop the CLI often (drain.test.ts tests the drain).
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TABMUX_DRAIN_DELAY: '0' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  /** Resolves with the first match of `pattern` in the stream's output so far, bounded. */
  const waitFor = (stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpExecArray> =>
    withTimeout(
      new Promise((resolve) => {
        const check = () => {
          const match = pattern.exec(stream === 'stdout' ? stdout : stderr);
          if (match) resolve(match);
        };
        child[stream].on('data', check);
        check();
      }),
      SPAWN_MS,
      `${pattern} on ${stream}`,
    );
  return { child, exited, out: () => stdout, err: () => stderr, waitFor };
}

test('--help lists every contract option', async () => {
  const p = run(['--help']);
  assert.equal(await withTimeout(p.exited, SPAWN_MS, 'tabmux-server --help'), 0);
  for (const flag of ['--port', '--host', '--redis', '--jwt-secret', '--jwt-public-key', '--publish-key', '--allow-origin', '--history', '--heartbeat', '--max-message-size']) {
    assert.ok(p.out().includes(flag), `--help mentions ${flag}`);
  }
});

test('a bad flag or value is a clear message and exit code 2', async () => {
  for (const args of [['--bogus'], ['--port', 'eighty'], ['--history', '-1'], ['--allow-origin', 'not-an-origin'], ['--jwt-secret', 's'], ['--heartbeat', '60']]) {
    const p = run(args);
    assert.equal(await withTimeout(p.exited, SPAWN_MS, `tabmux-server ${args.join(' ')}`), 2, args.join(' '));
    assert.match(p.err(), /^tabmux-server: [\s\S]+\nRun tabmux-server --help/, args.join(' '));
    assert.doesNotMatch(p.err(), /\n\s+at /, 'no stack trace');
  }
});

test('starts, prints its URL, warns loudly when open, and closes gracefully on SIGTERM', async () => {
  const p = run(['--port', '0', '--allow-origin', 'https://a.example', '--allow-origin', 'https://b.example', '--heartbeat', '10']);
  try {
    const [, url] = await p.waitFor('stdout', /listening on (http:\/\/127\.0\.0\.1:\d+)\//);
    await p.waitFor('stderr', /WARNING: this server is OPEN/);
    assert.match(p.err(), /WARNING: this server is OPEN/);
    assert.equal((await request(`${url}/health`)).status, 200);
    const cors = await request(`${url}/poll?channel=a&timeout=0`, { headers: { Origin: 'https://b.example' } });
    assert.equal(cors.headers['access-control-allow-origin'], 'https://b.example', 'repeated --allow-origin all apply');
    p.child.kill('SIGTERM');
    assert.equal(await withTimeout(p.exited, SPAWN_MS, 'exit after SIGTERM'), 0);
  } finally {
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
  }
});

test('with --publish-key there is no open-server warning and publishing needs the key', async () => {
  const p = run(['--port', '0', '--publish-key', 'k3y']);
  try {
    const [, url] = await p.waitFor('stdout', /listening on (http:\/\/127\.0\.0\.1:\d+)\//);
    const body = JSON.stringify({ channel: 'a', data: 1 });
    assert.equal((await request(`${url}/publish`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body })).status, 401);
    const ok = await request(`${url}/publish`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer k3y' }, body });
    assert.equal(ok.status, 200);
    p.child.kill('SIGINT');
    assert.equal(await withTimeout(p.exited, SPAWN_MS, 'exit after SIGINT'), 0);
    assert.doesNotMatch(p.err(), /OPEN/);
  } finally {
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
  }
});

test('--demo publishes simulated prices for the demo page; without it nothing is published', async () => {
  for (const demo of [true, false]) {
    const p = run(['--port', '0', ...(demo ? ['--demo'] : [])]);
    try {
      const [, url] = await p.waitFor('stdout', /listening on (http:\/\/127\.0\.0\.1:\d+)\//);
      // A poll without a cursor waits for the next message: a tick within its timeout, or none.
      const answer = await request(`${url}/poll?channel=prices:AAPL&timeout=3`);
      const { messages } = answer.json as { messages: { channel: string; data: { symbol: string } }[] };
      if (demo) assert.equal(messages[0]?.data.symbol, 'AAPL');
      else assert.deepEqual(messages, [], 'no made-up prices without --demo');
      p.child.kill('SIGTERM');
      assert.equal(await withTimeout(p.exited, SPAWN_MS, 'exit after SIGTERM'), 0);
    } finally {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
    }
  }
});
