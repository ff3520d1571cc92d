/**
 * Entry of a server process: `node --expose-gc --import tsx server-process.ts <target>`.
 * Starts the target, says `ready` with its port, then obeys the load generator's commands.
 */
import { setImmediate as turn } from 'node:timers/promises';
import { wallMs } from '../lib/clock.js';
import { payloadJson } from '../lib/payload.js';
import type { Command, Reply } from './ipc.js';
import { startTarget } from './targets/index.js';
import type { Target, TargetName } from './targets/types.js';

const name = process.argv[2] as TargetName;
const target: Target = await startTarget(name);

function reply(message: Reply): void {
  process.send?.(message);
}

async function publishOne(size: number, n: number, t: number): Promise<void> {
  const json = payloadJson(size, n, t);
  await target.publish(JSON.parse(json), json);
}

/**
 * One message from a callback of its own: timers armed together expire together and run in one
 * timers phase, each its own callback with process.nextTick's queue drained in between, as the
 * requests a server reads in one poll phase are.
 */
function publishApart(size: number, n: number): Promise<void> {
  return new Promise((resolve, reject) => setTimeout(() => publishOne(size, n, wallMs()).then(resolve, reject), 0));
}

/** Paced publishing: message i is due at start + i/rate; a late one still carries its due time. */
async function publishAtRate(count: number, size: number, rate: number): Promise<number> {
  const start = wallMs() + 5;
  let lateMs = 0;
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - wallMs();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    lateMs = Math.max(lateMs, wallMs() - due);
    await publishOne(size, i, due);
  }
  return lateMs;
}

async function handle(command: Command): Promise<Reply> {
  switch (command.type) {
    case 'clock':
      return { type: 'clock', ref: command.ref, now: wallMs() };
    case 'burst': {
      // `together` messages in one iteration, as a burst that arrives at once: from one callback
      // (a batch publish, a broker read), or with `apart` each from its own callback (several
      // POSTs read in one poll phase). Each system handles them as it would, then sockets flush
      // before the next group.
      const together = command.together ?? 1;
      for (let i = 0; i < command.count; i += together) {
        const group: Promise<void>[] = [];
        for (let k = i; k < Math.min(command.count, i + together); k++) group.push(command.apart ? publishApart(command.size, k) : publishOne(command.size, k, wallMs()));
        await Promise.all(group);
        await turn();
      }
      return { type: 'done', ref: command.ref, lastId: target.lastId?.(), lateMs: 0 };
    }
    case 'rate': {
      const lateMs = await publishAtRate(command.count, command.size, command.rate);
      return { type: 'done', ref: command.ref, lastId: target.lastId?.(), lateMs };
    }
    case 'stats': {
      if (command.gc) for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.();
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      return { type: 'stats', ref: command.ref, stats: { cpuMicros: cpu.user + cpu.system, heapUsed: memory.heapUsed, external: memory.external, rss: memory.rss } };
    }
    case 'close':
      await target.close();
      setImmediate(() => process.exit(0));
      return { type: 'done', ref: command.ref, lastId: undefined, lateMs: 0 };
    default: {
      const never: never = command;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
}

process.on('message', (command: Command) => {
  handle(command).then(reply, (error: unknown) => reply({ type: 'error', ref: command.ref, message: String(error) }));
});
// The load generator went away: do not linger.
process.on('disconnect', () => process.exit(0));
reply({ type: 'ready', target: name, port: target.port, pid: process.pid });
