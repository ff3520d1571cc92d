/**
 * Error paths over HTTP/2: mounted on `http2.createSecureServer({ allowHTTP1: true })`, the
 * refusals (404, 405, 413, 414, 429 over the per-IP limit, 503 and the SSE come-back-later while
 * shutting down) answer cleanly — the JSON error, no connection-specific header (RFC 9113
 * §8.2.2; Node drops them with an UnsupportedWarning), and the client's HTTP/2 session stays up
 * for its next request. Over HTTP/1.1 on the same server, `Connection: close` is still sent
 * where it belongs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createPushServer, silentLogger } from '../../server/index.js';
import type { PushServer } from '../../server/index.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { selfSignedCert } from '../helpers/self-signed-cert.js';

const WAIT_MS = 10_000;
/** RFC 9113 §8.2.2: connection-specific fields an HTTP/2 message must not carry. */
const CONNECTION_SPECIFIC = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];

const warnings: string[] = [];
process.on('warning', (warning) => warnings.push(`${warning.name}: ${warning.message}`));

interface Answer {
  readonly status: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly body: string;
}

interface Setup {
  readonly push: PushServer;
  readonly session: http2.ClientHttp2Session;
  readonly origin: string;
  readonly cert: string;
  /** One request on the shared session; `body` is read until the stream ends (or `firstChunk`). */
  ask(path: string, init?: { method?: string; body?: string; headers?: Record<string, string>; firstChunk?: boolean }): Promise<Answer>;
  close(): Promise<void>;
}

async function setup(options: Parameters<typeof createPushServer>[0] = {}): Promise<Setup> {
  const { key, cert } = selfSignedCert();
  const push = createPushServer({ logger: silentLogger, closeTimeout: 2000, ...options });
  const server = http2.createSecureServer({ key, cert, allowHTTP1: true });
  server.on('request', (req, res) => push.handleRequest(req as never, res as never));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const session = http2.connect(origin, { ca: cert });
  const sessionErrors: Error[] = [];
  session.on('error', (error) => sessionErrors.push(error));
  const ask: Setup['ask'] = (path, init = {}) =>
    withTimeout(
      new Promise<Answer>((resolve, reject) => {
        const stream = session.request({ ':method': init.method ?? 'GET', ':path': path, ...(init.headers ?? {}) });
        let headers: http2.IncomingHttpHeaders = {};
        let body = '';
        stream.setEncoding('utf8');
        stream.on('response', (h) => (headers = h));
        stream.on('data', (chunk: string) => {
          body += chunk;
          if (init.firstChunk) resolve({ status: Number(headers[':status']), headers, body });
        });
        stream.on('end', () => resolve({ status: Number(headers[':status']), headers, body }));
        stream.on('error', reject);
        stream.end(init.body);
      }),
      WAIT_MS,
      `${init.method ?? 'GET'} ${path.slice(0, 60)} over HTTP/2`,
    );
  return {
    push,
    session,
    origin,
    cert,
    ask,
    close: async () => {
      assert.deepEqual(sessionErrors, [], 'the client session saw no error');
      session.close();
      await push.close();
      server.close();
    },
  };
}

function assertClean(answer: Answer, status: number, code: string | undefined, what: string): void {
  assert.equal(answer.status, status, what);
  if (code !== undefined) assert.equal(JSON.parse(answer.body).error.code, code, `${what}: the JSON error`);
  for (const name of CONNECTION_SPECIFIC) assert.equal(answer.headers[name], undefined, `${what}: no ${name} header`);
}

test('over HTTP/2, 404, 405, 413 and 414 answer JSON on a session that stays up', async (t) => {
  const s = await setup({ maxMessageSize: 1024 });
  t.after(() => s.close());
  assertClean(await s.ask('/nope'), 404, 'TABMUX_ERR_NOT_FOUND', '404');
  assertClean(await s.ask('/sse?channel=a', { method: 'DELETE' }), 405, 'TABMUX_ERR_METHOD_NOT_ALLOWED', '405');
  // Refused before its body is read: on HTTP/1.1 this closes the connection; on HTTP/2 only the stream ends.
  const big = JSON.stringify({ channel: 'a', data: 'x'.repeat(100_000) });
  assertClean(
    await s.ask('/publish', { method: 'POST', body: big, headers: { 'content-type': 'application/json', 'content-length': String(big.length) } }),
    413,
    'TABMUX_ERR_TOO_LARGE',
    '413',
  );
  assertClean(await s.ask(`/sse?channel=${'a'.repeat(9000)}`), 414, 'TABMUX_ERR_URL_TOO_LONG', '414');
  assertClean(await s.ask('/health'), 200, undefined, 'the same session still serves');
  assert.equal(s.session.destroyed, false);
  assert.deepEqual(warnings, [], 'Node warned about no connection-specific header');
});

test('over HTTP/2, the per-IP limit answers 429 while the other streams of the session go on', async (t) => {
  const s = await setup({ maxConnectionsPerIp: 1 });
  t.after(() => s.close());
  const open = await s.ask('/sse?channel=a', { firstChunk: true });
  assert.equal(open.status, 200);
  assertClean(await s.ask('/sse?channel=b'), 429, 'TABMUX_ERR_RATE_LIMITED', '429 SSE');
  assertClean(await s.ask('/poll?channel=b&timeout=0'), 429, 'TABMUX_ERR_RATE_LIMITED', '429 poll');
  assertClean(await s.ask('/health'), 200, undefined, 'the session still serves');
  assert.deepEqual(warnings, []);
});

test('over HTTP/2, shutting down: poll and publish 503, SSE a clean come-back-later, no connection header', async (t) => {
  const s = await setup();
  t.after(() => s.close());
  // A poll waiting for messages when close() begins is answered at once (poll.ts, shutting down).
  const pending = s.ask('/poll?channel=a&timeout=30');
  await waitFor('the poll to be open at the server', async () => /tabmux_connections\{transport="poll"\} 1/.test((await s.ask('/metrics')).body), WAIT_MS, 25);
  const closing = s.push.close();
  const pendingAnswer = await pending;
  assert.ok(pendingAnswer.status === 200 || pendingAnswer.status === 503, `the pending poll is answered (got ${pendingAnswer.status})`);
  for (const name of CONNECTION_SPECIFIC) assert.equal(pendingAnswer.headers[name], undefined, `pending poll: no ${name}`);
  assertClean(await s.ask('/poll?channel=a&timeout=0'), 503, 'TABMUX_ERR_UNAVAILABLE', '503 poll');
  assertClean(
    await s.ask('/publish', { method: 'POST', body: '{"channel":"a","data":1}', headers: { 'content-type': 'application/json' } }),
    503,
    'TABMUX_ERR_UNAVAILABLE',
    '503 publish',
  );
  const sse = await s.ask('/sse?channel=a');
  assertClean(sse, 200, undefined, 'SSE while shutting down');
  assert.match(sse.body, /^retry: \d+\n\n$/, 'an EventSource is told when to come back');
  await closing;
  assert.deepEqual(warnings, []);
});

test('over HTTP/1.1 on the same server, an error that leaves a body unread still says Connection: close', async (t) => {
  const s = await setup();
  t.after(() => s.close());
  const answer = await withTimeout(
    new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = https.request(`${s.origin}/sse?channel=${'a'.repeat(9000)}`, { ca: s.cert, agent: false }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
      });
      req.on('error', reject);
      req.end();
    }),
    WAIT_MS,
    'the HTTP/1.1 414',
  );
  assert.deepEqual(answer, { status: 414, connection: 'close' });
});
