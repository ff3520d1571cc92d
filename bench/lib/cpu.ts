/**
 * CPU pinning: the load generator on core 0 and the server under test on core 1, so they do not
 * steal each other's time slices (the brief: separate cores with `taskset` where available).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';

const TASKSET = '/usr/bin/taskset';

export function canPin(): boolean {
  // os.cpus(), not availableParallelism(): the latter counts only the cores this process is
  // already pinned to, and the load generator pins itself before it pins the servers.
  return existsSync(TASKSET) && os.cpus().length >= 2;
}

/** `execPath`/`execArgv` for `fork()` that run Node pinned to `core`, or unpinned without taskset. */
export function pinnedNode(core: number, nodeArgs: readonly string[]): { execPath: string; execArgv: string[] } {
  if (!canPin()) return { execPath: process.execPath, execArgv: [...nodeArgs] };
  return { execPath: TASKSET, execArgv: ['-c', String(core), process.execPath, ...nodeArgs] };
}

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
}
