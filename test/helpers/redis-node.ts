/**
 * One push-server node on a Redis broker, as its own process, so a test can kill it for real.
 *
 *   node --import tsx test/helpers/redis-node.ts <redis-url | memory> <history>
 *
 * prints `TABMUX_NODE_PORT=<port>` once listening (port 0: the OS picks), logs to stderr, and
 * closes gracefully on SIGTERM. `spawnRedisNode()` runs it and waits for that line, bounded.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createMemoryBroker } from '../../server/broker/memory.js';
import { createRedisBroker } from '../../server/broker/redis.js';
import { createPushServer } from '../../server/index.js';
import type { Logger } from '../../server/index.js';

const PORT_LINE = /TABMUX_NODE_PORT=(\d+)/;

export interface RedisNode {
  readonly port: number;
  readonly base: string;
  readonly process: ChildProcess;
  /** Whether the process still runs (a crash turns this false). */
  readonly alive: boolean;
  /** What it wrote to stderr (its log), for failure messages. */
  readonly log: () => string;
  /** SIGKILL: the node dies mid-stream, like a crashed machine. */
  kill(): Promise<void>;
  /** SIGTERM: graceful close. */
  stop(): Promise<void>;
}

export function spawnRedisNode(redisUrl: string, history: number, timeoutMs = 15_000): Promise<RedisNode> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', script, redisUrl, String(history)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const end = async (signal: NodeJS.Signals) => {
    if (!alive()) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let stdout = '';
    let listening = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node did not print its port within ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      if (listening) return;
      clearTimeout(timer);
      reject(new Error(`node exited (${code ?? signal}) before listening; stderr:\n${stderr}`));
    });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = PORT_LINE.exec(stdout);
      if (!match || listening) return;
      listening = true;
      clearTimeout(timer);
      const port = Number(match[1]);
      resolve({
        port,
        base: `http://127.0.0.1:${port}`,
        process: child,
        get alive() {
          return alive();
        },
        log: () => stderr,
        kill: () => end('SIGKILL'),
        stop: () => end('SIGTERM'),
      });
    });
  });
}

/** Everything to stderr: stdout carries only the port line. */
const stderrLogger: Logger = {
  info: (fields, message) => console.error(`info: ${message}`, fields),
  warn: (fields, message) => console.error(`warn: ${message}`, fields),
  error: (fields, message) => console.error(`error: ${message}`, fields),
};

async function main(): Promise<void> {
  const [url, history] = process.argv.slice(2);
  if (!url) throw new Error('usage: redis-node.ts <redis-url | memory> <history>');
  // `memory`: the embedded broker, for benchmarks that compare against it process for process.
  const broker = url === 'memory' ? createMemoryBroker({ history: Number(history ?? 1000) }) : createRedisBroker(url, { history: Number(history ?? 1000) });
  broker.onHealthChange((health) => console.error(`broker health: ${JSON.stringify(health)}`));
  // Listen once connected: a node that says "listening" should be able to publish. (It is still
  // correct before: /health and publishes answer 503 until Redis answers.)
  if (!broker.health().ok) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Redis did not answer within 10 s')), 10_000);
      const off = broker.onHealthChange((health) => {
        if (!health.ok) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }
  const push = createPushServer({ broker, history: Number(history ?? 1000), logger: stderrLogger, closeTimeout: 1000 });
  const { port } = await push.listen(0, '127.0.0.1');
  process.stdout.write(`TABMUX_NODE_PORT=${port}\n`);
  process.once('SIGTERM', () => {
    void push
      .close()
      .then(() => broker.close())
      .finally(() => process.exit(0));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
