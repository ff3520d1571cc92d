// Idle memory per connection, in bytes (README, Performance: at most 8 KiB per WebSocket and 12 KiB
// per SSE connection, heap + external). The server runs alone in a child process (the built
// server, as users run it) so that nothing of the test's own is counted; it is measured after a
// full collection before and after N idle subscribers, each subscribed to one channel. A warm-up
// of the same kind goes first, so code compiled for the first connections is not charged to N.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { closeAll, openSubscribers } from '../../bench/server/clients/subscribers.js';
import type { ClientKind } from '../../bench/server/clients/subscribers.js';
import { createTally } from '../../bench/server/clients/counter.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/idle-memory-server.ts', import.meta.url));
const N = 400;
const KiB = 1024;

function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string }): void => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null): void => reject(new Error(`the server process exited (${code}) before '${type}'`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function bytesPerIdleConnection(kind: ClientKind): Promise<number> {
  const child = fork(FIXTURE, [], { execArgv: ['--expose-gc', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { port } = await next<{ port: number }>(child, 'ready');
    const measure = async (): Promise<number> => {
      const answer = next<{ bytes: number }>(child, 'measured');
      child.send({ type: 'measure' });
      return (await answer).bytes;
    };
    const warm = await openSubscribers(kind, port, 100, createTally(0), { timeoutMs: 60_000 });
    closeAll(warm);
    const first = await openSubscribers(kind, port, 1, createTally(0)); // the channel's own state
    const before = await measure();
    const subs = await openSubscribers(kind, port, N, createTally(0), { timeoutMs: 60_000 });
    const after = await measure();
    closeAll(subs);
    closeAll(first);
    return (after - before) / N;
  } finally {
    child.disconnect();
  }
}

test('an idle WebSocket subscriber holds at most 8 KiB of the server (heap + external)', { timeout: 120_000 }, async (t) => {
  const bytes = await bytesPerIdleConnection('tabmux-ws');
  t.diagnostic(`${Math.round(bytes)} B per idle WebSocket`);
  assert.ok(bytes <= 8 * KiB, `${Math.round(bytes)} B per idle WebSocket`);
});

test('an idle SSE subscriber holds at most 12 KiB of the server (heap + external)', { timeout: 120_000 }, async (t) => {
  const bytes = await bytesPerIdleConnection('tabmux-sse');
  t.diagnostic(`${Math.round(bytes)} B per idle SSE connection`);
  assert.ok(bytes <= 12 * KiB, `${Math.round(bytes)} B per idle SSE connection`);
});
