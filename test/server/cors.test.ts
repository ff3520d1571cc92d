import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer } from '../helpers/server.js';
import { openWs, request, WAIT_MS } from '../helpers/server-clients.js';
import { withTimeout } from '../helpers/wait.js';

const APP = 'https://app.example.com';

test('preflight for a fetch-based SSE reader (Authorization + Last-Event-ID) is allowed', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  for (const path of ['/sse', '/poll', '/publish']) {
    const res = await request(`${s.url}${path}`, {
      method: 'OPTIONS',
      headers: { Origin: APP, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization,last-event-id' },
    });
    assert.equal(res.status, 204, path);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    const allowed = String(res.headers['access-control-allow-headers']).toLowerCase();
    for (const h of ['authorization', 'last-event-id', 'content-type']) assert.ok(allowed.includes(h), `${path} allows ${h}`);
    assert.match(String(res.headers['access-control-allow-methods']), /POST/);
    assert.ok(Number(res.headers['access-control-max-age']) > 0);
    assert.equal(res.headers['access-control-allow-credentials'], undefined, 'no credentials with *');
  }
  // Actual responses carry the header too, errors included.
  const poll = await request(`${s.url}/poll?channel=a&timeout=0`, { headers: { Origin: APP } });
  assert.equal(poll.headers['access-control-allow-origin'], '*');
  const bad = await request(`${s.url}/poll?channel=a%20b`, { headers: { Origin: APP } });
  assert.equal(bad.status, 400);
  assert.equal(bad.headers['access-control-allow-origin'], '*');
});

test('with an allow list: the matching origin is echoed with credentials and Vary; others get 403', async (t) => {
  const s = await startServer({ allowOrigin: [APP] });
  t.after(() => s.close());
  const ok = await request(`${s.url}/poll?channel=a&timeout=0`, { headers: { Origin: APP } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['access-control-allow-origin'], APP);
  assert.equal(ok.headers['access-control-allow-credentials'], 'true');
  assert.match(String(ok.headers.vary), /Origin/);
  const pre = await request(`${s.url}/publish`, { method: 'OPTIONS', headers: { Origin: APP, 'Access-Control-Request-Method': 'POST' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers['access-control-allow-origin'], APP);

  const evil = await request(`${s.url}/poll?channel=a&timeout=0`, { headers: { Origin: 'https://evil.example' } });
  assert.equal(evil.status, 403);
  assert.equal(evil.json.error.code, 'TABMUX_ERR_FORBIDDEN');
  assert.equal(evil.headers['access-control-allow-origin'], undefined);
  // The server's own origin (its demo page) is always allowed.
  const same = await request(`${s.url}/poll?channel=a&timeout=0`, { headers: { Origin: s.url } });
  assert.equal(same.status, 200);
  // Non-browser clients send no Origin at all.
  assert.equal((await request(`${s.url}/poll?channel=a&timeout=0`)).status, 200);
});

test('a WebSocket upgrade from a disallowed origin is refused with a JSON 403; an allowed one opens', async (t) => {
  const s = await startServer({ allowOrigin: [APP] });
  t.after(() => s.close());
  const refused = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, { origin: 'https://evil.example' });
  const response = await withTimeout(
    new Promise<{ status: number; body: string }>((resolve) => {
      refused.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      refused.on('error', () => {});
    }),
    WAIT_MS,
    'the refused upgrade',
  );
  assert.equal(response.status, 403);
  assert.equal(JSON.parse(response.body).error.code, 'TABMUX_ERR_FORBIDDEN');
  const allowed = await openWs(s.url, { Origin: APP });
  allowed.close();
});
