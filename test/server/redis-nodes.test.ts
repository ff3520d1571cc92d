/**
 * Scale-out over Redis end to end (README, section "Scaling out over Redis"): push-server PROCESSES on one real redis-server, an SSE client
 * that resumes with Last-Event-ID as a browser's EventSource does, and real faults — a node
 * SIGKILLed mid-stream, every node restarted, Redis stopped and restarted under load.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createParser } from 'eventsource-parser';
import WebSocket from 'ws';
import { parseEventId } from '../../src/protocol/event-id.js';
import { startRedisServer } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';
import { spawnRedisNode } from '../helpers/redis-node.js';
import type { RedisNode } from '../helpers/redis-node.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

interface Received {
  readonly id: string;
  readonly n: number;
}

/**
 * An SSE client that reconnects at once when its stream ends, sending the last event id it saw
 * (WHATWG HTML §9.2.4: `Last-Event-ID` on reconnection; any event's `id:` updates it, `$open`'s
 * included). It counts its connections so a test can tell a resumed stream from a kept one.
 */
class ResumingSse {
  readonly received: Received[] = [];
  readonly resets: string[] = [];
  lastEventId: string | undefined;
  connections = 0;
  private request: http.ClientRequest | undefined;
  private running = false;
  private wake = () => {};

  constructor(private readonly url: () => string) {}

  start(): void {
    this.running = true;
    this.connect();
  }

  /** Closes the stream and does not come back until start(). */
  pause(): void {
    this.running = false;
    this.request?.destroy();
  }

  until(done: () => boolean, what: string, ms = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}; received ${this.received.length}`)), ms);
      this.wake = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.wake = () => {};
        resolve();
      };
      this.wake();
    });
  }

  private connect(): void {
    if (!this.running) return;
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (this.lastEventId) headers['Last-Event-ID'] = this.lastEventId;
    const retry = () => {
      if (this.request !== request) return;
      this.request = undefined;
      // A failed attempt (node down) is retried after a pause, as EventSource waits `retry:`.
      setTimeout(() => this.connect(), 50);
    };
    const request = http.get(this.url(), { headers }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        res.on('end', retry);
        return;
      }
      this.connections++;
      const parser = createParser({
        onEvent: (event) => {
          if (event.id !== undefined) this.lastEventId = event.id;
          if (event.event === '$reset') this.resets.push(event.data);
          else if (event.event && !event.event.startsWith('$')) {
            this.received.push({ id: event.id!, n: (JSON.parse(event.data) as { n: number }).n });
          }
          this.wake();
        },
      });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => parser.feed(chunk));
      res.on('close', retry);
      res.on('error', () => {});
    });
    request.on('error', retry);
    this.request = request;
  }
}

async function post(base: string, channel: string, n: number): Promise<{ status: number; id?: string; code?: string }> {
  const body = JSON.stringify({ channel, data: { n } });
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/publish`, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => {
        const json = JSON.parse(text) as { id?: string; error?: { code: string } };
        resolve({ status: res.statusCode ?? 0, id: json.id, code: json.error?.code });
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`POST /publish ${n} got no answer in 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function get(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      })
      .on('error', reject);
  });
}

/** A client of `url`, started, once its stream is open ($open seen; `what` names the wait). */
async function openClient(url: () => string, what: string): Promise<ResumingSse> {
  const client = new ResumingSse(url);
  client.start();
  await client.until(() => client.lastEventId !== undefined, what);
  return client;
}

/** /health has no push of its own: asked until it answers `status`, bounded. */
async function healthBecomes(base: string, status: number, ms = 15_000): Promise<string> {
  let last: number | undefined;
  const answer = await waitFor(() => `${base}/health to answer ${status} (last ${last})`, async () => {
    const res = await get(`${base}/health`);
    last = res.status;
    return res.status === status && res;
  }, ms, 25);
  return answer.text;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function assertExact(received: readonly Received[], expected: readonly number[]): void {
  assert.deepEqual(
    received.map((r) => r.n),
    expected,
    'every message exactly once, in publish order',
  );
  const seqs = received.map((r) => parseEventId(r.id)!.seq);
  assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'ids increase');
}

describe('scale-out over Redis: server processes on one redis-server', () => {
  let redis: RedisServer;
  const nodes: RedisNode[] = [];
  const node = async () => {
    const started = await spawnRedisNode(redis.url, 1000);
    nodes.push(started);
    return started;
  };

  before(async () => {
    redis = await startRedisServer({ persist: true });
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    await redis?.dispose();
  });

  it('subscriber on node A, publisher on node B: every message arrives, in order', async () => {
    const [a, b] = await Promise.all([node(), node()]);
    const client = await openClient(() => `${a.base}/sse?channel=feed1`, '$open on node A');
    for (const n of range(1, 200)) assert.equal((await post(b.base, 'feed1', n)).status, 200);
    await client.until(() => client.received.length >= 200, '200 messages');
    client.pause();
    assertExact(client.received, range(1, 200));
    assert.equal(client.connections, 1);
  });

  it('an id from node A resumes a WebSocket and a long-poll on node B exactly (one currency across nodes)', async () => {
    const [a, b] = await Promise.all([node(), node()]);
    const client = await openClient(() => `${a.base}/sse?channel=cur`, '$open on node A');
    for (const n of range(1, 20)) await post(a.base, 'cur', n);
    await client.until(() => client.received.length >= 20, '20 on node A');
    client.pause();
    const cursor = client.received[9]!.id;

    const poll = await get(`${b.base}/poll?channel=cur&lastEventId=${cursor}&timeout=0`);
    assert.equal(poll.status, 200);
    const polled = JSON.parse(poll.text) as { messages: { id: string; data: { n: number } }[] };
    assert.deepEqual(polled.messages.map((m) => m.data.n), range(11, 20));
    assert.deepEqual(polled.messages.map((m) => m.id), client.received.slice(10).map((r) => r.id));

    const socket = new WebSocket(`${b.base.replace('http', 'ws')}/ws`);
    try {
      const frames: { op?: string; data?: { n: number } }[] = [];
      const subscribed = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no "subscribed" frame from node B in 10 s')), 10_000);
        socket.on('message', (data) => {
          const frame = JSON.parse(data.toString()) as { op?: string; data?: { n: number } };
          frames.push(frame);
          if (frame.op === 'subscribed') {
            clearTimeout(timer);
            resolve();
          }
        });
        socket.on('error', reject);
      });
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      socket.send(JSON.stringify({ op: 'subscribe', channel: 'cur', lastEventId: cursor }));
      await subscribed;
      assert.deepEqual(frames.filter((f) => f.op === undefined).map((f) => f.data!.n), range(11, 20));
    } finally {
      socket.terminate();
    }
  });

  it('node A killed mid-stream: the client resumes on node B through the proxy, 0 lost, 0 duplicated', async () => {
    const [a, b] = await Promise.all([node(), node()]);
    const proxy = await startTcpProxy(a.port);
    try {
      const client = await openClient(() => `http://127.0.0.1:${proxy.port}/sse?channel=feed2`, '$open through the proxy');
      const total = 300;
      const publishing = (async () => {
        for (const n of range(1, total)) assert.equal((await post(b.base, 'feed2', n)).status, 200);
      })();
      await client.until(() => client.received.length >= 100, '100 messages before the kill');
      proxy.setTarget(b.port);
      await a.kill();
      await publishing;
      await client.until(() => client.received.length >= total, `${total} messages`);
      client.pause();
      assertExact(client.received, range(1, total));
      assert.ok(client.connections >= 2, 'the stream was resumed on another connection');
      assert.deepEqual(client.resets, []);
    } finally {
      await proxy.close();
    }
  });

  it('every node restarted: the client resumes exactly from its Last-Event-ID', async () => {
    let [a, b] = await Promise.all([node(), node()]);
    const proxy = await startTcpProxy(a.port);
    try {
      const client = await openClient(() => `http://127.0.0.1:${proxy.port}/sse?channel=feed3`, '$open');
      for (const n of range(1, 50)) await post(b.base, 'feed3', n);
      await client.until(() => client.received.length >= 50, 'the first 50');
      client.pause();
      await Promise.all([a.stop(), b.stop()]);
      [a, b] = await Promise.all([node(), node()]);
      proxy.setTarget(a.port);
      // Published while the client is away, on new processes: only Redis remembers them.
      for (const n of range(51, 80)) assert.equal((await post(b.base, 'feed3', n)).status, 200);
      client.start();
      await client.until(() => client.received.length >= 80, 'the 30 missed while away');
      for (const n of range(81, 100)) await post(b.base, 'feed3', n);
      await client.until(() => client.received.length >= 100, 'live again');
      client.pause();
      assertExact(client.received, range(1, 100));
      assert.deepEqual(client.resets, [], 'same epoch: no gap reported');
    } finally {
      await proxy.close();
    }
  });
});

describe('scale-out over Redis: Redis stopped and restarted under load', () => {
  for (const persist of [true, false]) {
    it(`/health 503 during, no crash, streams resume, every publish acknowledged and delivered or refused with 503 (${persist ? 'AOF' : 'no persistence: a new epoch'})`, async () => {
      const redis = await startRedisServer({ persist });
      const nodes = await Promise.all([spawnRedisNode(redis.url, 10_000), spawnRedisNode(redis.url, 10_000)]);
      const [a, b] = nodes;
      const client = new ResumingSse(() => `${a.base}/sse?channel=load`);
      try {
        client.start();
        await client.until(() => client.lastEventId !== undefined, '$open');
        const acked = new Set<number>();
        const refused = new Set<number>();
        const other: string[] = [];
        let next = 0;
        let running = true;
        let onRefused = () => {};
        // Four publishers on node B, each one request at a time.
        const publishers = Array.from({ length: 4 }, async () => {
          while (running) {
            const n = ++next;
            const res = await post(b.base, 'load', n);
            if (res.status === 200) acked.add(n);
            else if (res.status === 503 && res.code === 'TABMUX_ERR_UNAVAILABLE') {
              refused.add(n);
              onRefused();
            }
            else other.push(`${n}: ${res.status} ${res.code}`);
            // Refusals come back at once; do not spin the shared CPU while Redis is down.
            if (res.status !== 200) await new Promise((resolve) => setTimeout(resolve, 10));
          }
        });
        await client.until(() => client.received.length >= 100, '100 before the outage');
        await redis.stop();
        const reasons = await Promise.all([healthBecomes(a.base, 503), healthBecomes(b.base, 503)]);
        for (const reason of reasons) {
          assert.match(reason, /TABMUX_ERR_UNAVAILABLE/);
          assert.doesNotMatch(reason, /127\.0\.0\.1|:\d{4,5}\b|\bat /, 'no address, no stack');
        }
        const refusedBefore = refused.size;
        await new Promise<void>((resolve, reject) => {
          const deadline = setTimeout(() => reject(new Error('fewer than 10 publishes refused during the outage')), 10_000);
          onRefused = () => {
            if (refused.size < refusedBefore + 10) return;
            clearTimeout(deadline);
            onRefused = () => {};
            resolve();
          };
        });
        await redis.start();
        await Promise.all([healthBecomes(a.base, 200), healthBecomes(b.base, 200)]);
        const ackedAtRecovery = acked.size;
        await client.until(() => acked.size >= ackedAtRecovery + 100 && client.received.length > 0, '100 acks after recovery');
        running = false;
        await Promise.all(publishers);
        const delivered = () => {
          const got = new Set(client.received.map((r) => r.n));
          return [...acked].every((n) => got.has(n));
        };
        await client.until(delivered, 'every acknowledged message', 20_000);

        assert.deepEqual(other, [], 'only 200 or 503');
        const got = client.received.map((r) => r.n);
        assert.equal(new Set(got).size, got.length, 'no duplicates');
        for (const n of got) assert.ok(acked.has(n) || refused.has(n), `${n} was delivered but never published`);
        const ids = client.received.map((r) => parseEventId(r.id)!);
        // In seq order within an epoch; a wiped Redis starts one new epoch, once.
        assert.ok(ids.every((id, i) => i === 0 || id.epoch !== ids[i - 1]!.epoch || id.seq > ids[i - 1]!.seq), 'delivered in seq order');
        assert.equal(new Set(ids.map((id) => id.epoch)).size, persist ? 1 : 2);
        assert.equal(client.connections, 1, 'the SSE stream stayed open through the outage');
        assert.ok(a.alive && b.alive, `no node crashed:\n${a.log()}\n${b.log()}`);
        const refusedButDelivered = got.filter((n) => refused.has(n)).length;
        console.log(`acked ${acked.size}, refused ${refused.size}, refused-but-delivered ${refusedButDelivered}`);
      } finally {
        client.pause();
        await Promise.all(nodes.map((n) => n.kill()));
        await redis.dispose();
      }
    });
  }
});
