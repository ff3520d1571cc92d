/**
 * The publish-rate section: `POST /publish` per second, one message per request and a batch per
 * request, against a minimal node:http JSON endpoint — each server alone in its own process on
 * core 1, no subscriber, so this is the cost of the publish path itself.
 *
 * A shared machine drifts: the runs are interleaved (minimal, single, batch; minimal, single,
 * batch; …) and each ratio is taken within a round, then the median over rounds is reported. The
 * server's own CPU time per message is reported beside it: the cost of the path, which the load
 * generator's share of the machine does not move as much as it moves requests/s.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinnedNode } from '../lib/cpu.js';
import { median } from '../lib/stats.js';
import { bounded } from '../server/server-handle.js';
import { generator, load } from './load.js';
import type { Generator } from './load.js';
import type { PublishPlan } from './plan.js';

export type Endpoint = 'minimal' | 'single' | 'batch';
export const ENDPOINTS: readonly Endpoint[] = ['minimal', 'single', 'batch'];

export interface PublishRow {
  readonly endpoint: Endpoint;
  readonly messagesPerRequest: number;
  /** Medians over the rounds. */
  readonly requestsPerSec: number;
  readonly messagesPerSec: number;
  /** Median over rounds of this run's messages/s ÷ the minimal endpoint's in the same round. */
  readonly ratio: number;
  /** Server CPU (user + system) per message, µs: median over rounds. */
  readonly cpuMicrosPerMessage: number;
  /** Median over rounds of the minimal endpoint's CPU per message ÷ this one's (higher is cheaper). */
  readonly cpuRatio: number;
  readonly rounds: readonly { readonly requestsPerSec: number; readonly cpuMicrosPerRequest: number }[];
}

export interface PublishResults {
  readonly plan: PublishPlan;
  readonly generator: Generator;
  readonly rows: PublishRow[];
  readonly errors: string[];
}

const ENTRY = fileURLToPath(new URL('./publish-server.ts', import.meta.url));
const MESSAGE = { t: 0, pad: 'x'.repeat(80) }; // ~100 B of JSON

interface PublishServer {
  readonly port: number;
  cpuMicros(): Promise<number>;
  close(): void;
}

async function startServer(kind: 'minimal' | 'tabmux'): Promise<PublishServer> {
  const { execPath, execArgv } = pinnedNode(1, ['--import', 'tsx']);
  const child: ChildProcess = fork(ENTRY, [kind], { execPath, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>(type: string): Promise<T> =>
    bounded(
      new Promise<T>((resolve, reject) => {
        const onMessage = (message: { type: string }): void => {
          if (message.type !== type) return;
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve(message as T);
        };
        const onExit = (code: number | null): void => reject(new Error(`${kind} server exited (${code})`));
        child.on('message', onMessage);
        child.once('exit', onExit);
      }),
      20_000,
      `the ${kind} publish server (${type})`,
    );
  try {
    const { port } = await next<{ port: number }>('ready');
    return {
      port,
      async cpuMicros() {
        const answer = next<{ micros: number }>('cpu');
        child.send({ type: 'cpu' });
        return (await answer).micros;
      },
      close: () => child.kill(),
    };
  } catch (error) {
    child.kill();
    throw error;
  }
}

export async function runPublishBench(plan: PublishPlan, log: (line: string) => void): Promise<PublishResults> {
  const kind = generator();
  const results: PublishResults = { plan, generator: kind, rows: [], errors: [] };
  const bodies: Record<Endpoint, string> = {
    minimal: JSON.stringify({ channel: 'bench', data: MESSAGE }),
    single: JSON.stringify({ channel: 'bench', data: MESSAGE }),
    batch: JSON.stringify({ messages: Array.from({ length: plan.batch }, () => ({ channel: 'bench', data: MESSAGE })) }),
  };
  const perRequest: Record<Endpoint, number> = { minimal: 1, single: 1, batch: plan.batch };
  let minimal: PublishServer | undefined;
  let tabmux: PublishServer | undefined;
  try {
    minimal = await startServer('minimal');
    tabmux = await startServer('tabmux');
    const servers: Record<Endpoint, PublishServer> = { minimal, single: tabmux, batch: tabmux };
    const once = async (endpoint: Endpoint, seconds: number) => {
      const server = servers[endpoint];
      const before = await server.cpuMicros();
      const { requests, seconds: elapsed } = await load(kind, server.port, bodies[endpoint], seconds, plan.connections);
      const cpu = (await server.cpuMicros()) - before;
      return { requestsPerSec: requests / elapsed, cpuMicrosPerRequest: cpu / requests };
    };
    // Warm-up: JIT, connections, the history's first thousand messages. Not counted.
    for (const endpoint of ENDPOINTS) await once(endpoint, 1);
    const rounds: Record<Endpoint, { requestsPerSec: number; cpuMicrosPerRequest: number }[]> = { minimal: [], single: [], batch: [] };
    for (let round = 0; round < plan.rounds; round++) {
      for (const endpoint of ENDPOINTS) rounds[endpoint].push(await once(endpoint, plan.seconds));
      log(`  publish round ${round + 1}/${plan.rounds}: ${ENDPOINTS.map((e) => `${e} ${Math.round(rounds[e].at(-1)!.requestsPerSec)} req/s`).join(', ')}`);
    }
    for (const endpoint of ENDPOINTS) {
      const mine = rounds[endpoint];
      const n = perRequest[endpoint];
      results.rows.push({
        endpoint,
        messagesPerRequest: n,
        requestsPerSec: median(mine.map((r) => r.requestsPerSec)),
        messagesPerSec: median(mine.map((r) => r.requestsPerSec * n)),
        ratio: median(mine.map((r, i) => (r.requestsPerSec * n) / rounds.minimal[i]!.requestsPerSec)),
        cpuMicrosPerMessage: median(mine.map((r) => r.cpuMicrosPerRequest / n)),
        cpuRatio: median(mine.map((r, i) => rounds.minimal[i]!.cpuMicrosPerRequest / (r.cpuMicrosPerRequest / n))),
        rounds: mine,
      });
    }
  } catch (error) {
    results.errors.push(`publish rate: ${String(error)}`);
    log(`  publish rate: FAILED ${String(error)}`);
  } finally {
    minimal?.close();
    tabmux?.close();
  }
  return results;
}
