/**
 * `trustProxy`: per-IP limits count the client address from X-Forwarded-For only when told to
 * trust the proxy, and then the entry our proxy wrote (rightmost untrusted hop), never one the
 * client wrote. Real server on port 0; the "proxy" is the test sending what a proxy would send,
 * from 127.0.0.1 like every client here — exactly the situation where all clients share one
 * socket address.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { startServer } from '../helpers/server.js';
import { clientAddress } from '../../server/client-address.js';
import { createPushServer, silentLogger } from '../../server/index.js';
import { parseCli, HELP, UsageError } from '../../server/cli-args.js';
import { openSse, WAIT_MS } from '../helpers/server-clients.js';
import { withTimeout } from '../helpers/wait.js';
import type { SseClient } from '../helpers/server-clients.js';

/** An SSE stream "forwarded" for a client: its status (200 or 429), kept open until closed. */
async function sse(url: string, xff?: string): Promise<SseClient> {
  return openSse(`${url}/sse?channel=a`, xff === undefined ? {} : { 'X-Forwarded-For': xff });
}

async function budgets(trustProxy: boolean | number | undefined, pairs: [string, string][]): Promise<number[][]> {
  const push = await startServer({ maxConnectionsPerIp: 1, ...(trustProxy === undefined ? {} : { trustProxy }) });
  const open: SseClient[] = [];
  try {
    const out: number[][] = [];
    for (const [first, second] of pairs) {
      const a = await sse(push.url, first);
      open.push(a);
      const b = await sse(push.url, second);
      open.push(b);
      out.push([a.status, b.status]);
      a.close();
      b.close();
      await withTimeout(Promise.all([a.ended, b.ended]), WAIT_MS, 'both streams to end');
    }
    return out;
  } finally {
    for (const c of open) c.close();
    await push.close();
  }
}

test('with trustProxy, two clients behind the proxy (different X-Forwarded-For) get separate per-IP budgets', async () => {
  assert.deepEqual(await budgets(true, [['203.0.113.7', '198.51.100.9']]), [[200, 200]]);
});

test('without trustProxy the header is ignored: both count as the proxy address, the second is 429', async () => {
  assert.deepEqual(await budgets(undefined, [['203.0.113.7', '198.51.100.9']]), [[200, 429]]);
});

test('a client cannot pick its bucket by prepending entries: only the hop our proxy wrote counts', async () => {
  // The proxy appends the real client (203.0.113.7); the forged entries to its left are ignored.
  assert.deepEqual(await budgets(true, [['10.0.0.1, 203.0.113.7', '10.0.0.2, 203.0.113.7']]), [[200, 429]]);
  // Two trusted hops: the second entry from the right is the client.
  assert.deepEqual(await budgets(2, [['1.1.1.1, 203.0.113.7, 10.0.0.5', '2.2.2.2, 198.51.100.9, 10.0.0.5']]), [[200, 200]]);
});

test('WebSocket upgrades count by the forwarded address too', async (t) => {
  const push = await startServer({ maxConnectionsPerIp: 1, trustProxy: true });
  const sockets: WebSocket[] = [];
  t.after(async () => {
    for (const s of sockets) s.terminate();
    await push.close();
  });
  const open = (xff: string) =>
    withTimeout(
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${push.url.replace('http', 'ws')}/ws`, { headers: { 'X-Forwarded-For': xff } });
        sockets.push(ws);
        ws.once('open', () => resolve(101));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => {});
      }),
      WAIT_MS,
      `WebSocket for ${xff}`,
    );
  assert.equal(await open('203.0.113.7'), 101);
  assert.equal(await open('198.51.100.9'), 101, 'another client behind the same proxy');
  assert.equal(await open('203.0.113.7'), 429, 'the first client again: over its own budget');
});

test('clientAddress: header forms proxies send, and what falls back to the socket address', () => {
  const req = (xff: string | string[] | undefined) =>
    ({ socket: { remoteAddress: '10.0.0.9' }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;
  assert.equal(clientAddress(req('203.0.113.7'), 0), '10.0.0.9', 'not trusted: the header is ignored');
  assert.equal(clientAddress(req(undefined), 1), '10.0.0.9', 'no header: the socket');
  assert.equal(clientAddress(req('  '), 1), '10.0.0.9');
  assert.equal(clientAddress(req('1.1.1.1,203.0.113.7'), 1), '203.0.113.7');
  assert.equal(clientAddress(req('1.1.1.1, 203.0.113.7'), 2), '1.1.1.1');
  assert.equal(clientAddress(req('203.0.113.7'), 3), '203.0.113.7', 'fewer hops than trusted: the leftmost, written by our proxy');
  assert.equal(clientAddress(req(['1.1.1.1', '203.0.113.7']), 1), '203.0.113.7', 'repeated headers are one list');
  assert.equal(clientAddress(req('2001:db8::1'), 1), '2001:db8::1');
  assert.equal(clientAddress(req('203.0.113.7:51234'), 1), '203.0.113.7', 'a port is dropped');
  assert.equal(clientAddress(req('[2001:db8::1]:51234'), 1), '2001:db8::1');
  assert.equal(clientAddress(req('unknown'), 1), '10.0.0.9', 'not an address: the socket, never a name the client chose');
  assert.equal(clientAddress(req('1.1.1.1, <script>'), 1), '10.0.0.9');
});

test('trustProxy option and --trust-proxy flag: true is one hop, a number is that many, anything else is refused', () => {
  for (const bad of [-1, 1.5, 17, 'yes']) {
    assert.throws(() => createPushServer({ trustProxy: bad as unknown as number, logger: silentLogger }), /option trustProxy/);
  }
  const start = (argv: string[]) => {
    const command = parseCli(argv);
    return command.type === 'start' ? command.options : {};
  };
  assert.equal(start([]).trustProxy, undefined);
  assert.equal(start(['--trust-proxy']).trustProxy, true);
  assert.equal(start(['--trust-proxy=2']).trustProxy, 2);
  assert.throws(() => parseCli(['--trust-proxy=two']), UsageError);
  assert.throws(() => parseCli(['--trust-proxy=']), UsageError);
  assert.ok(HELP.includes('--trust-proxy'), '--help lists --trust-proxy');
});
