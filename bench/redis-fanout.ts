/**
 * Deliveries per second through the push server: the in-memory broker (baseline) vs the Redis
 * broker on one node, and the Redis broker with two nodes (subscribers split across them, every
 * message published on node A, so half the deliveries cross Redis to node B).
 *
 *   node --import tsx bench/redis-fanout.ts [subscribers=40] [messages=2000] [runs=3]
 *
 * Everything but redis-server runs in this one process (servers, SSE clients, publisher), so the
 * figures are for comparing configurations measured in the same run, not absolute capacity.
 * Prints the median of `runs` per configuration and its ratio to the baseline. Never fails on a time.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { createParser } from 'eventsource-parser';
import type { Broker } from '../server/broker/broker.js';
import { createMemoryBroker } from '../server/broker/memory.js';
import { createRedisBroker } from '../server/broker/redis.js';
import { createPushServer, silentLogger } from '../server/index.js';
import type { PushServer } from '../server/index.js';
import { startRedisServer } from '../test/helpers/redis.js';

const [subscribers = 40, messages = 2000, runs = 3] = process.argv.slice(2).map(Number);
const PUBLISH_WINDOW = 32; // publishes in flight at once: a real backend publishes concurrently

interface Node {
  push: PushServer;
  broker: Broker;
  port: number;
}

async function startNode(broker: Broker): Promise<Node> {
  const push = createPushServer({ broker, logger: silentLogger, history: 10_000, maxBufferedBytes: 64 * 1024 * 1024 });
  const { port } = await push.listen(0, '127.0.0.1');
  return { push, broker, port };
}

/** Opens an SSE stream and resolves once `$open` arrived; `onMessage` counts channel events. */
function subscribe(port: number, channel: string, onMessage: () => void): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.get(`http://127.0.0.1:${port}/sse?channel=${channel}`, { agent: false }, (res) => {
      const parser = createParser({
        onEvent: (event) => {
          if (event.event === '$open') resolve(req);
          else if (event.event === channel) onMessage();
        },
      });
      res.setEncoding('utf8').on('data', (chunk: string) => parser.feed(chunk));
      res.on('error', () => {});
    });
    req.on('error', reject);
  });
}

async function measure(nodes: Node[], channel: string): Promise<number> {
  const expected = subscribers * messages;
  let delivered = 0;
  let done = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  const onMessage = () => {
    if (++delivered === expected) done();
  };
  const streams = await Promise.all(
    Array.from({ length: subscribers }, (_, i) => subscribe(nodes[i % nodes.length]!.port, channel, onMessage)),
  );
  const publisher = nodes[0]!.push;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: PUBLISH_WINDOW }, async () => {
      while (next < messages) {
        const n = next++;
        await publisher.publish(channel, { n, at: Date.now(), pad: 'x'.repeat(64) });
      }
    }),
  );
  const timeout = setTimeout(() => {
    console.error(`stalled: ${delivered}/${expected} delivered`);
    process.exit(1);
  }, 120_000);
  await all;
  clearTimeout(timeout);
  const seconds = (performance.now() - started) / 1000;
  for (const req of streams) req.destroy();
  return expected / seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const configs: { name: string; start: () => Promise<Node[]> }[] = [
    { name: 'memory broker, 1 node (baseline)', start: async () => [await startNode(createMemoryBroker({ history: 10_000 }))] },
    { name: 'Redis broker, 1 node', start: async () => [await startNode(await connected(createRedisBroker(redis.url, { history: 10_000 })))] },
    {
      name: 'Redis broker, 2 nodes',
      start: async () =>
        Promise.all([0, 1].map(async () => startNode(await connected(createRedisBroker(redis.url, { history: 10_000 }))))),
    },
  ];
  console.log(`tabmux bench: ${subscribers} SSE subscribers, ${messages} messages, median of ${runs} runs (Node ${process.version})`);
  let baseline = 0;
  for (const config of configs) {
    const rates: number[] = [];
    for (let run = 0; run < runs; run++) {
      const nodes = await config.start();
      rates.push(await measure(nodes, `bench-${run}-${Math.random().toString(36).slice(2, 8)}`));
      for (const node of nodes) {
        await node.push.close();
        await node.broker.close();
      }
    }
    const rate = median(rates);
    if (baseline === 0) baseline = rate;
    console.log(`${config.name.padEnd(36)} ${Math.round(rate).toString().padStart(9)} deliveries/s   x${(rate / baseline).toFixed(2)}`);
  }
  await redis.dispose();
}

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

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
