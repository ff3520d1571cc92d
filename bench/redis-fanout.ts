/**
 * Deliveries per second through the push server: the in-memory broker (baseline) vs the Redis
 * broker on one node, and the Redis broker with two nodes (subscribers split across them, every
 * message published on the first node, so half the deliveries cross Redis to the other).
 *
 *   node --import tsx bench/redis-fanout.ts [subscribers=40] [messages=2000] [runs=3]
 *
 * Two setups, each with its own baseline:
 *  - in-process: servers, SSE clients and publisher share this process (publish = push.publish());
 *  - processes: every node is its own process (test/helpers/redis-node.ts), published to over
 *    HTTP; SSE clients stay here and only count their events.
 * Prints the median of `runs` per configuration and its ratio to the baseline of its setup. The
 * figures compare configurations measured in the same run on the same machine; never fails on a time.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Broker } from '../server/broker/broker.js';
import { createMemoryBroker } from '../server/broker/memory.js';
import { createRedisBroker } from '../server/broker/redis.js';
import { createPushServer, silentLogger } from '../server/index.js';
import { startRedisServer } from '../test/helpers/redis.js';
import { spawnRedisNode } from '../test/helpers/redis-node.js';
import { ONE_ADDRESS_LIMITS } from './lib/one-address.js';

const [subscribers = 40, messages = 2000, runs = 3] = process.argv.slice(2).map(Number);
const PUBLISH_WINDOW = 32; // publishes in flight at once: a real backend publishes concurrently
const HISTORY = 10_000;

interface Node {
  readonly port: number;
  close(): Promise<void>;
}

interface Setup {
  readonly nodes: Node[];
  publish(channel: string, n: number): Promise<void>;
}

async function inProcessNode(broker: Broker): Promise<Node & { publish: Setup['publish'] }> {
  const push = createPushServer({ broker, logger: silentLogger, history: HISTORY, maxBufferedBytes: 64 * 1024 * 1024, ...ONE_ADDRESS_LIMITS });
  const { port } = await push.listen(0, '127.0.0.1');
  return {
    port,
    publish: async (channel, n) => void (await push.publish(channel, { n, pad: 'x'.repeat(64) })),
    close: async () => {
      await push.close();
      await broker.close();
    },
  };
}

async function inProcess(brokers: Broker[]): Promise<Setup> {
  const nodes = await Promise.all(brokers.map((broker) => inProcessNode(broker)));
  return { nodes, publish: nodes[0]!.publish };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: PUBLISH_WINDOW });

function postPublish(port: number, channel: string, n: number): Promise<void> {
  const body = JSON.stringify({ channel, data: { n, pad: 'x'.repeat(64) } });
  return new Promise((resolve, reject) => {
    const req = http.request(
      { port, host: '127.0.0.1', path: '/publish', method: 'POST', agent, headers: { 'Content-Type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`publish answered ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function processes(target: string, count: number): Promise<Setup> {
  const nodes = await Promise.all(Array.from({ length: count }, () => spawnRedisNode(target, HISTORY)));
  return {
    nodes: nodes.map((node) => ({ port: node.port, close: () => node.stop() })),
    publish: (channel, n) => postPublish(nodes[0]!.port, channel, n),
  };
}

/**
 * Opens an SSE stream, resolves once `$open` arrived, and counts the channel's events by their
 * `event:` line (cheap: the clients must not be the bottleneck being measured).
 */
function subscribe(port: number, channel: string, onMessages: (count: number) => void): Promise<http.ClientRequest> {
  const marker = `\nevent: ${channel}\n`;
  return new Promise((resolve, reject) => {
    const req = http.get(`http://127.0.0.1:${port}/sse?channel=${channel}`, { agent: false }, (res) => {
      let carry = '';
      let open = false;
      res.setEncoding('utf8').on('data', (chunk: string) => {
        const text = carry + chunk;
        if (!open && text.includes('event: $open')) {
          open = true;
          resolve(req);
        }
        let count = 0;
        for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, at + marker.length)) count++;
        carry = text.slice(-(marker.length - 1));
        if (count) onMessages(count);
      });
      res.on('error', () => {});
    });
    req.on('error', reject);
  });
}

async function measure(setup: Setup, channel: string): Promise<number> {
  const expected = subscribers * messages;
  let delivered = 0;
  let done = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  const streams = await Promise.all(
    Array.from({ length: subscribers }, (_, i) =>
      subscribe(setup.nodes[i % setup.nodes.length]!.port, channel, (count) => {
        delivered += count;
        if (delivered >= expected) done();
      }),
    ),
  );
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: PUBLISH_WINDOW }, async () => {
      while (next < messages) await setup.publish(channel, next++);
    }),
  );
  const stalled = setTimeout(() => {
    console.error(`stalled: ${delivered}/${expected} delivered`);
    process.exit(1);
  }, 120_000);
  await all;
  clearTimeout(stalled);
  const seconds = (performance.now() - started) / 1000;
  for (const req of streams) req.destroy();
  return expected / seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Resolves with the broker once it is connected (bounded). */
function connected(broker: Broker): Promise<Broker> {
  if (broker.health().ok) return Promise.resolve(broker);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Redis broker did not connect in 10 s')), 10_000);
    const off = broker.onHealthChange((health) => {
      if (!health.ok) return;
      clearTimeout(timer);
      off();
      resolve(broker);
    });
  });
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const redisBroker = () => connected(createRedisBroker(redis.url, { history: HISTORY }));
  const configs: { name: string; baseline?: true; start: () => Promise<Setup> }[] = [
    { name: 'in-process: memory, 1 node', baseline: true, start: () => inProcess([createMemoryBroker({ history: HISTORY })]) },
    { name: 'in-process: Redis, 1 node', start: async () => inProcess([await redisBroker()]) },
    { name: 'in-process: Redis, 2 nodes', start: async () => inProcess(await Promise.all([redisBroker(), redisBroker()])) },
    { name: 'processes: memory, 1 node', baseline: true, start: () => processes('memory', 1) },
    { name: 'processes: Redis, 1 node', start: () => processes(redis.url, 1) },
    { name: 'processes: Redis, 2 nodes', start: () => processes(redis.url, 2) },
  ];
  console.log(`tabmux bench: ${subscribers} SSE subscribers, ${messages} messages, median of ${runs} runs (Node ${process.version})`);
  let baseline = 0;
  for (const config of configs) {
    const rates: number[] = [];
    for (let run = 0; run < runs; run++) {
      const setup = await config.start();
      rates.push(await measure(setup, `bench-${run}-${Math.random().toString(36).slice(2, 8)}`));
      await Promise.all(setup.nodes.map((node) => node.close()));
    }
    const rate = median(rates);
    if (config.baseline) baseline = rate;
    console.log(`${config.name.padEnd(30)} ${Math.round(rate).toString().padStart(9)} deliveries/s   x${(rate / baseline).toFixed(2)}`);
  }
  agent.destroy();
  await redis.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
