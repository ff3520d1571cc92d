/**
 * The load generator's side of a server process: spawn it (pinned to its own core with
 * `taskset` where available), send commands, await answers — every wait bounded.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { estimateOffset } from '../lib/clock.js';
import { pinnedNode } from '../lib/cpu.js';
import type { Command, Reply, Stats } from './ipc.js';
import type { TargetName } from './targets/types.js';

type Request = Command extends infer C ? (C extends Command ? Omit<C, 'ref'> : never) : never;

const ENTRY = fileURLToPath(new URL('./server-process.ts', import.meta.url));

export interface ServerHandle {
  readonly port: number;
  /** Server clock minus ours (ms). */
  readonly offsetMs: number;
  burst(count: number, size: number, timeoutMs: number, together?: number, apart?: boolean): Promise<Reply & { type: 'done' }>;
  rate(count: number, size: number, rate: number, timeoutMs: number): Promise<Reply & { type: 'done' }>;
  stats(gc: boolean): Promise<Stats>;
  close(): Promise<void>;
}

export async function startServerProcess(target: TargetName): Promise<ServerHandle> {
  const { execPath, execArgv } = pinnedNode(1, ['--expose-gc', '--import', 'tsx']);
  const child: ChildProcess = fork(ENTRY, [target], { execPath, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextRef = 1;
  const pending = new Map<number, (reply: Reply) => void>();
  let exited = false;
  child.on('exit', () => {
    exited = true;
    for (const resolve of pending.values()) resolve({ type: 'error', ref: 0, message: `${target} server process exited` });
    pending.clear();
  });
  const ready = await bounded(
    new Promise<Reply>((resolve) => {
      child.on('message', (reply: Reply) => {
        if (reply.type === 'ready') return resolve(reply);
        const done = pending.get(reply.ref);
        pending.delete(reply.ref);
        done?.(reply);
      });
    }),
    20_000,
    `${target} server process to start`,
  );
  if (ready.type !== 'ready') throw new Error(`${target}: unexpected ${ready.type}`);

  function send(request: Request, timeoutMs: number): Promise<Reply> {
    if (exited) return Promise.reject(new Error(`${target} server process is gone`));
    const ref = nextRef++;
    const answer = new Promise<Reply>((resolve) => pending.set(ref, resolve));
    child.send({ ...request, ref } as Command);
    return bounded(answer, timeoutMs, `${target} to answer ${request.type}`).then((reply) => {
      if (reply.type === 'error') throw new Error(`${target}: ${reply.message}`);
      return reply;
    });
  }
  const offsetMs = await estimateOffset(async () => {
    const reply = await send({ type: 'clock' }, 5000);
    return reply.type === 'clock' ? reply.now : Number.NaN;
  });
  return {
    port: ready.port,
    offsetMs,
    burst: (count, size, timeoutMs, together = 1, apart = false) => send({ type: 'burst', count, size, together, apart }, timeoutMs) as Promise<Reply & { type: 'done' }>,
    rate: (count, size, rate, timeoutMs) => send({ type: 'rate', count, size, rate }, timeoutMs) as Promise<Reply & { type: 'done' }>,
    async stats(gc) {
      const reply = await send({ type: 'stats', gc }, 30_000);
      if (reply.type !== 'stats') throw new Error(`${target}: unexpected ${reply.type}`);
      return reply.stats;
    },
    async close() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await send({ type: 'close' }, 10_000).catch(() => child.kill('SIGKILL'));
      await bounded(gone, 10_000, `${target} to exit`).catch(() => child.kill('SIGKILL'));
    },
  };
}

export function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
