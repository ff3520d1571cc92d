/**
 * `tabmux-server --redis <url>` as a user runs it: the CLI wires the Redis broker, publishes
 * through it, and its /health follows Redis (503 while Redis is down, 200 once it is back).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const cli = fileURLToPath(new URL('../../server/cli.ts', import.meta.url));

/** The answer of `url` once it is `status` (asked every 100 ms, bounded); its body is left unread. */
function waitForStatus(url: string, status: number, what: string, ms = 15_000): Promise<Response> {
  let last: number | undefined;
  return waitFor(() => `${what} (last status ${last})`, async () => {
    const response = await fetch(url);
    if (response.status === status) return response;
    last = response.status;
    await response.body?.cancel();
    return undefined;
  }, ms, 100);
}

test('tabmux-server --redis: publishes through Redis, /health follows Redis down and up', async () => {
  const redis = await startRedisServer();
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--redis', redis.url, '--port', '0', '--publish-key', 'k'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let output = '';
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening" line within 15 s: ${output}`)), 15_000);
      const onData = (chunk: Buffer) => {
        output += chunk;
        const match = /listening on (http:\/\/[^\s/]+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
    });
    await waitForStatus(`${base}/health`, 200, 'Redis to answer');
    const publish = () =>
      fetch(`${base}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
        body: JSON.stringify({ channel: 'c', data: 1 }),
      });
    const ok = await publish();
    assert.equal(ok.status, 200);
    assert.match(((await ok.json()) as { id: string }).id, /^[0-9a-z]+-[0-9a-z]+$/);

    await redis.stop();
    const down = await waitForStatus(`${base}/health`, 503, '/health to report Redis down');
    assert.equal(((await down.json()) as { error: { code: string } }).error.code, 'TABMUX_ERR_UNAVAILABLE');
    const refused = await publish();
    assert.equal(refused.status, 503, 'a publish while Redis is down is refused, not dropped');
    await refused.body?.cancel();

    await redis.start();
    await waitForStatus(`${base}/health`, 200, '/health to recover');
    assert.equal((await publish()).status, 200);
    assert.equal(child.exitCode, null, 'the server never exited');
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
    await redis.dispose();
  }
});
